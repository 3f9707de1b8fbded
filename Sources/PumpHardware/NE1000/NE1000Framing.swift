/// The NE-1000 wire framing, both ways, in basic and safe mode.
///
/// - Basic request: `[address]COMMAND[parameters]\r`.
/// - Reply: STX, two-digit address, prompt character, data, ETX.
/// - Safe mode (requests and replies): STX, length, data, CRC-16 high, CRC-16 low, ETX, where
///   length = data + 4 and the CRC (XMODEM) covers the data only. The manual's example is
///   `02 08 'SAF0' 55 43 03`.
public enum NE1000Framing {
    public static let startOfText: UInt8 = 0x02
    public static let endOfText: UInt8 = 0x03
    public static let carriageReturn: UInt8 = 0x0D
    /// A safe-mode packet's length byte counts the data plus four; it is one byte.
    public static let maximumSafeData = 255 - 4

    public static func basic(_ text: String) -> [UInt8] {
        Array(text.utf8) + [carriageReturn]
    }

    /// Nil when the data is too long for the one-byte length.
    public static func safe(_ text: String) -> [UInt8]? {
        let data = Array(text.utf8)
        guard data.count <= maximumSafeData else { return nil }
        let crc = CRC16.xmodem(data)
        return [startOfText, UInt8(data.count + 4)] + data + [UInt8(crc >> 8), UInt8(crc & 0xFF), endOfText]
    }

    /// Where a safe-mode packet being received stands, given the bytes so far (STX first).
    enum SafePacketProgress {
        case incomplete
        /// Its length byte is impossible, or its ETX or CRC is wrong: drop it.
        case corrupt
        case complete(data: [UInt8])
    }

    /// Judges a safe packet from its STX, its length byte, then length − 1 bytes (data, CRC high,
    /// CRC low, ETX). Both ends of the link use it, so they agree on what a packet is.
    static func safePacketProgress(_ bytes: [UInt8]) -> SafePacketProgress {
        guard bytes.count >= 2 else { return .incomplete }
        let length = Int(bytes[1])
        guard length >= 5 else { return .corrupt }
        guard bytes.count == length + 1 else { return .incomplete }
        guard bytes[length] == endOfText else { return .corrupt }
        let data = Array(bytes[2..<(length - 2)])
        let crc = UInt16(bytes[length - 2]) << 8 | UInt16(bytes[length - 1])
        return CRC16.xmodem(data) == crc ? .complete(data: data) : .corrupt
    }

    /// A basic-mode reply: STX, data, ETX.
    public static func basicReply(_ text: String) -> [UInt8] {
        [startOfText] + Array(text.utf8) + [endOfText]
    }
}
