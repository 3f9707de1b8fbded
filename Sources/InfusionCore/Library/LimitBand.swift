/// Soft and hard limits on one quantity of a drug-library entry.
///
/// Hard limits cannot be overridden; soft limits can, with an explicit confirmation that is
/// logged (DESIGN.md rule 2). The band is always ordered
/// `hardMinimum ≤ softMinimum ≤ softMaximum ≤ hardMaximum`; the library parser refuses any other.
public struct LimitBand<Value: PhysicalQuantity>: Hashable, Sendable {
    public let hardMinimum: Value?
    public let softMinimum: Value?
    public let softMaximum: Value?
    public let hardMaximum: Value

    public init(hardMinimum: Value? = nil, softMinimum: Value? = nil, softMaximum: Value? = nil, hardMaximum: Value) {
        self.hardMinimum = hardMinimum
        self.softMinimum = softMinimum
        self.softMaximum = softMaximum
        self.hardMaximum = hardMaximum
    }

    /// Values within one part in 10⁹ of a limit count as on it: "0.34 + 0.01 mg/kg" is 0.35 to a
    /// clinician, and a refusal reading "0.35 is above the maximum of 0.35" would be nonsense.
    static func above(_ value: Value, _ limit: Value) -> Bool { value.value > limit.value * (1 + 1e-9) + 1e-12 }
    static func below(_ value: Value, _ limit: Value) -> Bool { value.value < limit.value * (1 - 1e-9) - 1e-12 }

    /// Every limit this value crosses, hard ones first; empty when the value is inside the soft band.
    public func findings(for value: Value, field: String, rule: String) -> [LimitFinding] {
        if Self.above(value, hardMaximum) {
            return [LimitFinding(field: field, severity: .hard, bound: .maximum, value: "\(value)", limit: "\(hardMaximum)", rule: rule)]
        }
        if let hardMinimum, Self.below(value, hardMinimum) {
            return [LimitFinding(field: field, severity: .hard, bound: .minimum, value: "\(value)", limit: "\(hardMinimum)", rule: rule)]
        }
        if let softMaximum, Self.above(value, softMaximum) {
            return [LimitFinding(field: field, severity: .soft, bound: .maximum, value: "\(value)", limit: "\(softMaximum)", rule: rule)]
        }
        if let softMinimum, Self.below(value, softMinimum) {
            return [LimitFinding(field: field, severity: .soft, bound: .minimum, value: "\(value)", limit: "\(softMinimum)", rule: rule)]
        }
        return []
    }
}

/// One limit a program crosses: what was asked, the limit, and the rule that sets it.
public struct LimitFinding: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable { case soft, hard }
    public enum Bound: String, Hashable, Sendable { case minimum, maximum }

    public let field: String
    public let severity: Severity
    public let bound: Bound
    public let value: String
    public let limit: String
    /// The safety requirement that sets this limit, e.g. `DOSE-001`.
    public let rule: String

    public init(field: String, severity: Severity, bound: Bound, value: String, limit: String, rule: String) {
        self.field = field
        self.severity = severity
        self.bound = bound
        self.value = value
        self.limit = limit
        self.rule = rule
    }

    public var description: String {
        let relation = bound == .maximum ? "above" : "below"
        return "\(field) \(value) is \(relation) the \(severity.rawValue) \(bound.rawValue) of \(limit) (\(rule))"
    }
}
