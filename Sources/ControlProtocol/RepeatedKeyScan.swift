import Foundation

/// Finds a name given twice in a request's top-level object.
///
/// JSON leaves a repeated name's meaning open and parsers differ: Foundation's keeps the last,
/// others the first or refuse. `{"command":"status","command":"stop"}` would then be a status to
/// one reader and a stop to the daemon. A request that can be read two ways is refused, not
/// guessed at. Runs on a line the JSON parser has already accepted, so it only tracks strings,
/// escapes and depth.
enum RepeatedKeyScan {
    static func firstRepeated(in line: some Collection<UInt8>) -> String? {
        var seen = Set<String>()
        var depth = 0
        var inString = false
        var escaped = false
        var expectingKey = false
        var key: [UInt8]?
        for byte in line {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if let raw = key {
                        let name = decode(raw)
                        if !seen.insert(name).inserted { return name }
                        key = nil
                    }
                    continue
                }
                key?.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                if depth == 1 && expectingKey {
                    key = []
                    expectingKey = false
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                expectingKey = depth == 1 && byte == UInt8(ascii: "{")
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 1 { expectingKey = true }
            default:
                break
            }
        }
        return nil
    }

    /// A key's text, its escapes (`\u0076` is `v`) resolved by the JSON parser itself.
    private static func decode(_ raw: [UInt8]) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
        return (try? JSONDecoder().decode(String.self, from: quoted)) ?? String(decoding: raw, as: UTF8.self)
    }
}
