/// Why a request did not do what it asked. The code is for programs (and sets infusionctl's exit
/// status); the message is for people and names the field, the limit or the state.
public struct ControlError: Error, Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Codable, Hashable, Sendable {
        /// Not JSON, not an object, or a field of the wrong type or missing.
        case malformed
        case unsupportedVersion = "unsupported_version"
        case unknownCommand = "unknown_command"
        /// A value that does not parse ("0.35 mg/kg/hr"), or an argument that does not belong.
        case badArgument = "bad_argument"
        /// The line is longer than the limit; the rest of it was discarded.
        case tooLong = "too_long"
        case rateLimited = "rate_limited"
        case notPermitted = "not_permitted"
        /// The state machine has no such step from here.
        case refusedByState = "refused_by_state"
        /// A hard limit, or a soft one without confirmation.
        case refusedByLimit = "refused_by_limit"
        /// Active alarms forbid it.
        case refusedByAlarm = "refused_by_alarm"
        case journalFailure = "journal_failure"
        /// The daemon has its maximum of clients; this connection is closed.
        case busy
        /// The connection asked nothing for the idle timeout and is closed.
        case idleTimeout = "idle_timeout"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// infusionctl's exit status for this refusal: 2 usage, 3 refused by a limit or the state,
    /// 4 not permitted, 5 the daemon would not serve this connection.
    public var exitStatus: Int32 {
        switch code {
        case .malformed, .unsupportedVersion, .unknownCommand, .badArgument, .tooLong: 2
        case .notPermitted: 4
        case .refusedByState, .refusedByLimit, .refusedByAlarm, .rateLimited, .journalFailure: 3
        case .busy, .idleTimeout: 5
        }
    }
}
