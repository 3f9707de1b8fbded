import InfusionCore

/// What the pump side of the link makes of incoming bytes.
public enum NE1000IncomingRequest: Hashable, Sendable {
    /// A basic-mode request (`[address]COMMAND[parameters]`, without its `\r`).
    case basic(String)
    /// A safe-mode packet whose CRC checked out.
    case safe(String)
    /// A safe-mode packet that failed its length, ETX or CRC check: the pump answers `?COM`.
    case corruptSafePacket
    /// A basic request longer than any command: dropped.
    case overlong
}

/// Splits the byte stream arriving at an NE-1000 into requests, in basic and safe mode.
///
/// Byte by byte, with the time each arrived, because the pump drops a partial packet after a
/// 0.5 s gap between bytes (manual). Storage is bounded: nothing a peer sends can grow it.
public struct NE1000RequestDecoder: Sendable {
    /// The manual's inter-byte timeout for a partial packet.
    public static let interByteGap = ControlDuration.milliseconds(500)
    /// Longer than any real basic command; a longer line is garbage.
    public static let maximumBasicLength = 64

    private var buffer: [UInt8] = []
    private var lastByteAt: ControlInstant?

    public init() {
        buffer.reserveCapacity(256)
    }

    /// Whether a partial request is waiting for more bytes.
    public var isMidPacket: Bool { !buffer.isEmpty }

    public mutating func feed(_ byte: UInt8, at now: ControlInstant) -> NE1000IncomingRequest? {
        if let lastByteAt, now - lastByteAt > Self.interByteGap { buffer.removeAll(keepingCapacity: true) }
        lastByteAt = now

        if buffer.first == NE1000Framing.startOfText || (buffer.isEmpty && byte == NE1000Framing.startOfText) {
            buffer.append(byte)
            switch NE1000Framing.safePacketProgress(buffer) {
            case .incomplete:
                return nil
            case .corrupt:
                buffer.removeAll(keepingCapacity: true)
                return .corruptSafePacket
            case .complete(let data):
                buffer.removeAll(keepingCapacity: true)
                guard let text = String(validating: data, as: UTF8.self) else { return .corruptSafePacket }
                return .safe(text)
            }
        }

        if byte == NE1000Framing.carriageReturn {
            defer { buffer.removeAll(keepingCapacity: true) }
            return .basic(String(decoding: buffer, as: UTF8.self))
        }
        if byte == 0x0A, buffer.isEmpty { return nil }  // a stray line feed after \r
        buffer.append(byte)
        if buffer.count > Self.maximumBasicLength {
            buffer.removeAll(keepingCapacity: true)
            return .overlong
        }
        return nil
    }
}
