/// CRC-16/XMODEM (CCITT polynomial 0x1021, initial value 0): the checksum of NE-1000 safe-mode
/// packets. The manual's example: "SAF0" → 0x5543.
public enum CRC16 {
    public static func xmodem(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
