import Foundation

/// A quantity as a technician typed it, read into its typed unit.
public enum ParsedQuantity: Hashable, Sendable {
    case volume(Millilitres)
    case mass(Milligrams)
    case weight(Kilograms)
    case concentration(MilligramsPerMillilitre)
    case volumeRate(MillilitresPerHour)
    case massRate(MilligramsPerHour)
    case weightRate(MilligramsPerKilogramPerHour)
    case weightDose(MilligramsPerKilogram)
    case duration(Seconds)

    public var kind: QuantityKind {
        switch self {
        case .volume: .volume
        case .mass: .mass
        case .weight: .weight
        case .concentration: .concentration
        case .volumeRate: .volumeRate
        case .massRate: .massRate
        case .weightRate: .weightRate
        case .weightDose: .weightDose
        case .duration: .duration
        }
    }
}

/// Reads the strings a technician types: "0.35 mg/kg/h", "22 mg/h", "4 h", "1 h 30 min", "10 mg/mL".
///
/// Units are matched without regard to case (a keyboard's "ML/H" means mL/h), and `µ`, `μ`, `u` and
/// `mc` all mean micro. Only non-negative, finite numbers are accepted: no quantity in an infusion
/// program is meaningfully negative. Durations may be compound ("1 h 30 min"); nothing else is.
public enum QuantityParser {
    private struct UnitEntry {
        let kind: QuantityKind
        /// Multiplier from the typed unit into the quantity type's own unit.
        let factor: Double
    }

    private static let units: [String: UnitEntry] = {
        var table: [String: UnitEntry] = [:]
        func add(_ kind: QuantityKind, _ factor: Double, _ symbols: String...) {
            for symbol in symbols { table[symbol] = UnitEntry(kind: kind, factor: factor) }
        }
        add(.volume, 1, "ml")
        add(.volume, 1_000, "l")
        add(.volume, 0.001, "ul")
        add(.mass, 1, "mg")
        add(.mass, 1_000, "g")
        add(.mass, 0.001, "ug", "mcg")
        add(.weight, 1, "kg")
        add(.concentration, 1, "mg/ml", "g/l")
        add(.concentration, 0.001, "ug/ml", "mcg/ml")
        add(.volumeRate, 1, "ml/h", "ml/hr")
        add(.volumeRate, 60, "ml/min")
        add(.volumeRate, 0.001, "ul/h")
        add(.volumeRate, 0.06, "ul/min")
        add(.massRate, 1, "mg/h", "mg/hr")
        add(.massRate, 60, "mg/min")
        add(.massRate, 0.001, "ug/h", "mcg/h")
        add(.massRate, 0.06, "ug/min", "mcg/min")
        add(.weightRate, 1, "mg/kg/h", "mg/kg/hr")
        add(.weightRate, 60, "mg/kg/min")
        add(.weightRate, 0.001, "ug/kg/h", "mcg/kg/h")
        add(.weightRate, 0.06, "ug/kg/min", "mcg/kg/min")
        add(.weightDose, 1, "mg/kg")
        add(.weightDose, 0.001, "ug/kg", "mcg/kg")
        add(.duration, 0.001, "ms")
        add(.duration, 1, "s", "sec")
        add(.duration, 60, "min")
        add(.duration, 3_600, "h", "hr")
        add(.duration, 86_400, "d", "day", "days")
        return table
    }()

    public static func parse(_ text: String) throws(QuantityParseError) -> ParsedQuantity {
        let terms = try splitTerms(text)
        var total = 0.0
        var kind: QuantityKind?
        var previousFactor = Double.infinity
        for (number, unit) in terms {
            let entry = try lookUp(unit, in: text)
            if let kind, kind != entry.kind || kind != .duration {
                // Only durations may be compound; "1 mg 2 mL" is refused as an unknown unit.
                throw QuantityParseError(.unknownUnit(terms.map { $0.1 }.joined(separator: " ")), input: text)
            }
            // "1 min 1 min" once read as 2 min (red team, issue 14 F12).
            guard entry.factor < previousFactor else { throw QuantityParseError(.unitOrder(unit), input: text) }
            previousFactor = entry.factor
            kind = entry.kind
            total += number * entry.factor
        }
        guard let kind else { throw QuantityParseError(.empty, input: text) }
        guard total.isFinite else { throw QuantityParseError(.notFinite, input: text) }
        switch kind {
        case .volume: return .volume(Millilitres(total))
        case .mass: return .mass(Milligrams(total))
        case .weight: return .weight(Kilograms(total))
        case .concentration: return .concentration(MilligramsPerMillilitre(total))
        case .volumeRate: return .volumeRate(MillilitresPerHour(total))
        case .massRate: return .massRate(MilligramsPerHour(total))
        case .weightRate: return .weightRate(MilligramsPerKilogramPerHour(total))
        case .weightDose: return .weightDose(MilligramsPerKilogram(total))
        case .duration: return .duration(Seconds(total))
        }
    }

    public static func volume(_ text: String) throws(QuantityParseError) -> Millilitres {
        if case .volume(let value) = try parse(text) { return value }
        throw try mismatch(text, expected: .volume)
    }

    public static func mass(_ text: String) throws(QuantityParseError) -> Milligrams {
        if case .mass(let value) = try parse(text) { return value }
        throw try mismatch(text, expected: .mass)
    }

    public static func weight(_ text: String) throws(QuantityParseError) -> Kilograms {
        if case .weight(let value) = try parse(text) { return value }
        throw try mismatch(text, expected: .weight)
    }

    public static func concentration(_ text: String) throws(QuantityParseError) -> MilligramsPerMillilitre {
        if case .concentration(let value) = try parse(text) { return value }
        throw try mismatch(text, expected: .concentration)
    }

    public static func volumeRate(_ text: String) throws(QuantityParseError) -> MillilitresPerHour {
        if case .volumeRate(let value) = try parse(text) { return value }
        throw try mismatch(text, expected: .volumeRate)
    }

    public static func massRate(_ text: String) throws(QuantityParseError) -> MilligramsPerHour {
        if case .massRate(let value) = try parse(text) { return value }
        throw try mismatch(text, expected: .massRate)
    }

    public static func weightRate(_ text: String) throws(QuantityParseError) -> MilligramsPerKilogramPerHour {
        if case .weightRate(let value) = try parse(text) { return value }
        throw try mismatch(text, expected: .weightRate)
    }

    public static func weightDose(_ text: String) throws(QuantityParseError) -> MilligramsPerKilogram {
        if case .weightDose(let value) = try parse(text) { return value }
        throw try mismatch(text, expected: .weightDose)
    }

    public static func duration(_ text: String) throws(QuantityParseError) -> Seconds {
        if case .duration(let value) = try parse(text) { return value }
        throw try mismatch(text, expected: .duration)
    }

    /// A dose rate as a program gives it: weight-based ("0.35 mg/kg/h") or fixed ("22 mg/h").
    public static func doseRate(_ text: String) throws(QuantityParseError) -> DoseRate {
        switch try parse(text) {
        case .weightRate(let rate): return .weightBased(rate)
        case .massRate(let rate): return .fixed(rate)
        case let other: throw QuantityParseError(.wrongKind(expected: .weightRate, found: other.kind), input: text)
        }
    }

    private static func mismatch(_ text: String, expected: QuantityKind) throws(QuantityParseError) -> QuantityParseError {
        QuantityParseError(.wrongKind(expected: expected, found: try parse(text).kind), input: text)
    }

    private static func lookUp(_ unit: String, in text: String) throws(QuantityParseError) -> UnitEntry {
        let key = unit.lowercased()
            .replacingOccurrences(of: "µ", with: "u")
            .replacingOccurrences(of: "μ", with: "u")
        guard let entry = units[key] else { throw QuantityParseError(.unknownUnit(unit), input: text) }
        return entry
    }

    /// Splits "1 h 30 min" into [(1, "h"), (30, "min")]; a number may touch its unit ("30min").
    private static func splitTerms(_ text: String) throws(QuantityParseError) -> [(Double, String)] {
        var scalars = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines)).unicodeScalars[...]
        guard !scalars.isEmpty else { throw QuantityParseError(.empty, input: text) }
        var terms: [(Double, String)] = []
        while !scalars.isEmpty {
            let numberText = String(String.UnicodeScalarView(scalars.prefix { isNumberScalar($0) }))
            scalars = scalars.dropFirst(numberText.unicodeScalars.count)
            guard !numberText.isEmpty else {
                if terms.isEmpty, scalars.first == "-" {
                    throw QuantityParseError(.negative, input: text)
                }
                throw QuantityParseError(terms.isEmpty ? .missingNumber : .unknownUnit(String(String.UnicodeScalarView(scalars))), input: text)
            }
            guard let number = Double(numberText) else {
                throw QuantityParseError(.invalidNumber(numberText), input: text)
            }
            scalars = scalars.drop { $0 == " " || $0 == "\t" }
            let unitText = String(String.UnicodeScalarView(scalars.prefix { $0 != " " && $0 != "\t" }))
            scalars = scalars.dropFirst(unitText.unicodeScalars.count).drop { $0 == " " || $0 == "\t" }
            guard !unitText.isEmpty else { throw QuantityParseError(.missingUnit, input: text) }
            if unitText.unicodeScalars.first.map(isNumberScalar) == true {
                throw QuantityParseError(.invalidNumber(numberText + unitText), input: text)
            }
            // "1e308 kg" once answered `unknown unit "kg"` (red team, issue 14 F12).
            if let first = unitText.unicodeScalars.first, first == "e" || first == "E",
                let second = unitText.unicodeScalars.dropFirst().first, isNumberScalar(second) || second == "+" || second == "-"
            {
                throw QuantityParseError(.exponent(numberText + unitText), input: text)
            }
            terms.append((number, unitText))
        }
        return terms
    }

    private static func isNumberScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar) || scalar == "."
    }
}
