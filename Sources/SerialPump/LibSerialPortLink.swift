import CSerialPort

/// A serial port opened and configured through libserialport: the only way the product reaches
/// the line. 8N1, no flow control, at the configured baud.
///
/// The port is named as libserialport names it (`/dev/ttyUSB0`). Tests reach `pumpsim serve`'s
/// pty through this same code, by a name and a test-only shim described in docs/testing.md.
public final class LibSerialPortLink: @unchecked Sendable {
    private let port: OpaquePointer
    public let name: String

    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public let description: String
    }

    public init(name: String, baud: Int) throws(Failure) {
        self.name = name
        var found: OpaquePointer?
        try Self.check(sp_get_port_by_name(name, &found), "\(name): no such serial port")
        guard let found else { throw Failure(description: "\(name): no such serial port") }
        do {
            try Self.check(sp_open(found, SP_MODE_READ_WRITE), "\(name): cannot open")
            try Self.check(sp_set_baudrate(found, Int32(baud)), "\(name): cannot set \(baud) baud")
            try Self.check(sp_set_bits(found, 8), "\(name): cannot set 8 data bits")
            try Self.check(sp_set_parity(found, SP_PARITY_NONE), "\(name): cannot set no parity")
            try Self.check(sp_set_stopbits(found, 1), "\(name): cannot set 1 stop bit")
            try Self.check(sp_set_flowcontrol(found, SP_FLOWCONTROL_NONE), "\(name): cannot disable flow control")
            // Whatever the pump sent before this host was listening (old replies, unasked alarms)
            // belongs to no request of ours.
            try Self.check(sp_flush(found, SP_BUF_BOTH), "\(name): cannot flush")
        } catch {
            sp_close(found)
            sp_free_port(found)
            throw error
        }
        port = found
    }

    deinit {
        sp_close(port)
        sp_free_port(port)
    }

    public func write(_ bytes: [UInt8], timeoutMilliseconds: UInt32 = 100) throws(Failure) {
        let result = bytes.withUnsafeBytes { sp_blocking_write(port, $0.baseAddress, $0.count, timeoutMilliseconds) }
        try Self.check(result, "\(name): write failed")
        guard result.rawValue == Int32(bytes.count) else {
            throw Failure(description: "\(name): wrote \(result.rawValue) of \(bytes.count) bytes")
        }
    }

    /// Waits up to `timeoutMilliseconds` for at least one byte; returns how many were read (0 on
    /// timeout).
    public func read(into buffer: inout [UInt8], timeoutMilliseconds: UInt32) throws(Failure) -> Int {
        let result = buffer.withUnsafeMutableBytes { sp_blocking_read_next(port, $0.baseAddress, $0.count, timeoutMilliseconds) }
        try Self.check(result, "\(name): read failed")
        return Int(result.rawValue)
    }

    private static func check(_ result: sp_return, _ context: String) throws(Failure) {
        guard result.rawValue < 0 else { return }
        let detail: String
        switch result {
        case SP_ERR_ARG: detail = "invalid argument"
        case SP_ERR_MEM: detail = "out of memory"
        case SP_ERR_SUPP: detail = "not supported"
        default:
            if let message = sp_last_error_message() {
                detail = String(cString: message)
                sp_free_error_message(message)
            } else {
                detail = "error \(result.rawValue)"
            }
        }
        throw Failure(description: "\(context): \(detail)")
    }
}
