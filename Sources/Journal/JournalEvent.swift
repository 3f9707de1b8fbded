import InfusionCore

/// One line of the event log: what happened, when (wall and control time), in which boot, and
/// who asked, where a person did.
public struct JournalEvent: Hashable, Sendable {
    /// Wall-clock time as ISO 8601 UTC, for people; never used for windows or ordering.
    public var wallTime: String
    /// Control time: the monotonic base persisted across restarts (DESIGN.md rule 9).
    public var controlNanoseconds: Int64
    public var boot: Int64
    public var uid: Int64?
    public var pid: Int64?
    public var role: String?
    /// A short snake_case name: `command`, `alarm_raised`, `state`, `started`, ...
    public var type: String
    /// Free text or JSON, as the writer chose.
    public var details: String

    public init(
        wallTime: String, controlNanoseconds: Int64, boot: Int64, uid: Int64? = nil, pid: Int64? = nil, role: String? = nil,
        type: String, details: String
    ) {
        self.wallTime = wallTime
        self.controlNanoseconds = controlNanoseconds
        self.boot = boot
        self.uid = uid
        self.pid = pid
        self.role = role
        self.type = type
        self.details = details
    }

    /// This event with every control character in its text written as `\u{…}`. A client's own
    /// words reach the log (an unknown command is logged by name): a NUL would come back cut
    /// short from SQLite's text and fail the chain, and U+001F, the hash's field separator, would
    /// let one field's text pass for two.
    func escapingControlCharacters() -> JournalEvent {
        func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.generalCategory == .control }
        func escaped(_ text: String) -> String {
            guard text.unicodeScalars.contains(where: isControl) else { return text }
            var result = ""
            for scalar in text.unicodeScalars {
                if isControl(scalar) {
                    result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
            return result
        }
        var copy = self
        copy.wallTime = escaped(wallTime)
        copy.role = role.map(escaped)
        copy.type = escaped(type)
        copy.details = escaped(details)
        return copy
    }

    /// The hash that chains this event to `previous`: SHA-256 over the previous hash and every
    /// field, separated by U+001F so no field can run into the next.
    func chainHash(after previous: String) -> String {
        let fields = [
            previous, wallTime, String(controlNanoseconds), String(boot), uid.map(String.init) ?? "", pid.map(String.init) ?? "",
            role ?? "", type, details,
        ]
        return SHA256.hexDigest(of: Array(fields.joined(separator: "\u{1F}").utf8))
    }
}

/// A stored event with its place in the chain.
public struct StoredEvent: Hashable, Sendable {
    public var id: Int64
    public var event: JournalEvent
    public var hash: String
}
