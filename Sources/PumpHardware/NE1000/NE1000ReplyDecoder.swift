/// What the host side of the link makes of the pump's bytes.
public enum NE1000IncomingReply: Hashable, Sendable {
    /// The text between STX and ETX (basic) or the checked data of a safe packet.
    case reply(String)
    /// Bytes outside any reply (noise, or a pump answering in the other mode).
    case garbage(count: Int)
    /// A safe packet that failed its length, ETX or CRC check.
    case corruptSafePacket
    /// A basic reply longer than any real reply.
    case overlong
}

/// Splits the byte stream from an NE-1000 into replies. The host knows which mode it is in, so
/// it tells the decoder; an unsolicited alarm arrives the same way as any reply.
public struct NE1000ReplyDecoder: Sendable {
    /// `either` tells the two framings apart by the byte after STX: a basic reply's address digit,
    /// or a safe packet's length (below 0x30 for every reply shorter than 44 bytes, which is all of
    /// them). The host uses it while it does not yet know the pump's mode (safe mode persists over
    /// power cycles).
    public enum Mode: Sendable { case basic, safe, either }

    public static let maximumReplyLength = 64
    public var mode: Mode
    private var buffer: [UInt8] = []
    private var skipped = 0

    public init(mode: Mode) {
        self.mode = mode
        buffer.reserveCapacity(256)
    }

    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        skipped = 0
    }

    public mutating func feed(_ byte: UInt8) -> NE1000IncomingReply? {
        if buffer.isEmpty {
            guard byte == NE1000Framing.startOfText else {
                skipped += 1
                return nil
            }
            buffer.append(byte)
            if skipped > 0 {
                defer { skipped = 0 }
                return .garbage(count: skipped)
            }
            return nil
        }
        buffer.append(byte)
        var framing = mode
        if framing == .either { framing = buffer[1] >= 0x30 && buffer[1] <= 0x39 ? .basic : .safe }
        switch framing {
        case .either, .basic:
            if byte == NE1000Framing.endOfText {
                defer { buffer.removeAll(keepingCapacity: true) }
                return .reply(String(decoding: buffer.dropFirst().dropLast(), as: UTF8.self))
            }
            if buffer.count > Self.maximumReplyLength {
                buffer.removeAll(keepingCapacity: true)
                return .overlong
            }
            return nil
        case .safe:
            switch NE1000Framing.safePacketProgress(buffer) {
            case .incomplete:
                return nil
            case .corrupt:
                buffer.removeAll(keepingCapacity: true)
                return .corruptSafePacket
            case .complete(let data):
                buffer.removeAll(keepingCapacity: true)
                return .reply(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
