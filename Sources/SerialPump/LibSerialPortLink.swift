import CSerialPort
import Glibc

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
        /// The port is not there or not usable yet, rather than wrong: gone between a check and
        /// the open (a USB adapter re-enumerating), busy (ModemManager probing it), or not yet
        /// given its group by udev. The daemon's start exits 75 on it and systemd tries again.
        public var notReady = false
    }

    public init(name: String, baud: Int) throws(Failure) {
        self.name = name
        var found: OpaquePointer?
        do {
            try Self.check(Self.lookUp(name, &found), "\(name): no such serial port")
        } catch {
            throw Failure(description: error.description, notReady: true)
        }
        guard let found else { throw Failure(description: "\(name): no such serial port", notReady: true) }
        do throws(Failure) {
            let opened = sp_open(found, SP_MODE_READ_WRITE)
            let code = opened == SP_ERR_FAIL ? sp_last_error_code() : 0
            do {
                try Self.check(opened, "\(name): cannot open")
            } catch {
                throw Failure(description: error.description, notReady: [EBUSY, EACCES, ENOENT, ENODEV, EAGAIN].contains(code))
            }
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

    /// libserialport (0.1.1, Debian 12) finds a port by the sysfs entry named after the part of
    /// its name that follows `/dev/`, so a udev symlink, which is what a technician should name a
    /// USB adapter by (`/dev/serial/by-id/usb-FTDI_…`, stable across re-plugging), is "not found"
    /// (SP_ERR_ARG). Its target is: the name is resolved and looked up again. Found by the boot
    /// stage, where an adapter named by a symlink made the daemon exit 78 for good.
    static func lookUp(_ name: String, _ found: inout OpaquePointer?) -> sp_return {
        let direct = sp_get_port_by_name(name, &found)
        guard direct == SP_ERR_ARG, let resolved = realpath(name, nil) else { return direct }
        defer { free(resolved) }
        guard String(cString: resolved) != name else { return direct }
        return sp_get_port_by_name(resolved, &found)
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
