/// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for the drug library's content checksum and
/// the journal's tamper evidence.
///
/// Kept here rather than pulling in a crypto package: the core has no other use for one, and the
/// digest is checked against the FIPS and RFC 4231 test vectors in the tests. The compression works
/// on a fixed 64-word schedule in place, so a digest allocates only its result: the journal MACs
/// every ledger record it restores at start, hundreds of thousands after a day's infusion.
public enum SHA256 {
    fileprivate static let k: InlineArray<64, UInt32> = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// A running digest: feed bytes, then ``finish()``.
    public struct Hasher: Sendable {
        private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
        )
        private var block = InlineArray<64, UInt8>(repeating: 0)
        private var filled = 0
        private var length: UInt64 = 0

        public init() {}

        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { buffer in
                for byte in buffer { update(byte: byte) }
            }
        }

        public mutating func update(byte: UInt8) {
            block[filled] = byte
            filled += 1
            length &+= 1
            if filled == 64 {
                compress()
                filled = 0
            }
        }

        public mutating func finish() -> [UInt8] {
            let bitLength = length &* 8
            update(byte: 0x80)
            while filled != 56 { update(byte: 0) }
            for shift in stride(from: 56, through: 0, by: -8) {
                block[filled] = UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))
                filled += 1
            }
            compress()
            filled = 0
            var digest: [UInt8] = []
            digest.reserveCapacity(32)
            for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
                digest += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
            }
            return digest
        }

        private mutating func compress() {
            var schedule = InlineArray<64, UInt32>(repeating: 0)
            for index in 0..<16 {
                let base = index * 4
                schedule[index] = UInt32(block[base]) << 24 | UInt32(block[base + 1]) << 16 | UInt32(block[base + 2]) << 8 | UInt32(block[base + 3])
            }
            for index in 16..<64 {
                let s0 = rotateRight(schedule[index - 15], 7) ^ rotateRight(schedule[index - 15], 18) ^ (schedule[index - 15] >> 3)
                let s1 = rotateRight(schedule[index - 2], 17) ^ rotateRight(schedule[index - 2], 19) ^ (schedule[index - 2] >> 10)
                schedule[index] = schedule[index - 16] &+ s0 &+ schedule[index - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = state
            for index in 0..<64 {
                let sum1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
                let choice = (e & f) ^ (~e & g)
                let temp1 = h &+ sum1 &+ choice &+ SHA256.k[index] &+ schedule[index]
                let sum0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ sum0 &+ majority)
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
        }
    }

    public static func digest(of bytes: [UInt8]) -> [UInt8] {
        var hasher = Hasher()
        hasher.update(bytes)
        return hasher.finish()
    }

    public static func hexDigest(of bytes: [UInt8]) -> String { hex(digest(of: bytes)) }

    /// HMAC-SHA256 of `message` under `key` (RFC 2104), as lowercase hex.
    public static func hmac(key: [UInt8], message: [UInt8]) -> String { HMACKey(key).authenticate(message) }

    /// An HMAC-SHA256 key with its padded blocks already hashed: each message then costs two
    /// compressions for a short message instead of four.
    public struct HMACKey: Sendable {
        private let inner: Hasher
        private let outer: Hasher

        public init(_ key: [UInt8]) {
            var block = key.count > 64 ? SHA256.digest(of: key) : key
            block += [UInt8](repeating: 0, count: 64 - block.count)
            var inner = Hasher()
            var outer = Hasher()
            for byte in block {
                inner.update(byte: byte ^ 0x36)
                outer.update(byte: byte ^ 0x5c)
            }
            self.inner = inner
            self.outer = outer
        }

        /// The MAC of `message`, as lowercase hex.
        public func authenticate(_ message: [UInt8]) -> String {
            var inner = self.inner
            inner.update(message)
            var outer = self.outer
            outer.update(inner.finish())
            return SHA256.hex(outer.finish())
        }
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes a hex string spells, or nil.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        func value(_ character: UInt8) -> UInt8? {
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let high = value(characters[index]), let low = value(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func rotateRight(_ value: UInt32, _ amount: UInt32) -> UInt32 {
        (value >> amount) | (value << (32 - amount))
    }
}
