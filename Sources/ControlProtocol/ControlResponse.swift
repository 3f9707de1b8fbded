import Foundation

/// One response line: `{"v": 1, "id": …, "ok": true, "result": …}` or
/// `{"v": 1, "id": …, "ok": false, "error": {"code": …, "message": …}}` (docs/protocol.md).
public struct ControlResponse<Result: Codable & Sendable>: Codable, Sendable {
    public var v: Int
    public var id: String?
    public var ok: Bool
    public var result: Result?
    public var error: ControlError?

    public static func success(_ result: Result, id: String?) -> ControlResponse {
        ControlResponse(v: ControlRequest.version, id: id, ok: true, result: result, error: nil)
    }

    public static func failure(_ error: ControlError, id: String?) -> ControlResponse {
        ControlResponse(v: ControlRequest.version, id: id, ok: false, result: nil, error: error)
    }

    /// The line, newline included. Keys sorted, so equal responses are equal bytes.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return ((try? encoder.encode(self)) ?? Data(#"{"ok":false,"v":1}"#.utf8)) + Data("\n".utf8)
    }

    public static func decode(_ line: Data) throws -> ControlResponse {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ControlResponse.self, from: line)
    }
}

/// The result of a command that answers nothing but "done".
public struct Done: Codable, Hashable, Sendable {
    public init() {}
}
