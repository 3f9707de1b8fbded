/// A file the pump is configured from (syringe table, drug library, scenario) was refused.
///
/// It names the file, the entry and the field, so a technician can find the line to fix; the whole
/// file is refused, never half-applied.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    /// The entry within the file (a drug, a syringe), or nil for a top-level field.
    public let entry: String?
    public let field: String
    public let reason: String

    public init(file: String, entry: String?, field: String, reason: String) {
        self.file = file
        self.entry = entry
        self.field = field
        self.reason = reason
    }

    public var description: String {
        let location = entry.map { "\(file): [\($0)] \(field)" } ?? "\(file): \(field)"
        return "\(location): \(reason)"
    }
}
