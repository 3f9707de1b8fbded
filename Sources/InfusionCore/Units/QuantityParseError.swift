/// Why a technician's quantity string could not be read, with the text that was typed.
public struct QuantityParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        case empty
        case missingNumber
        case invalidNumber(String)
        case missingUnit
        case unknownUnit(String)
        case negative
        case notFinite
        case wrongKind(expected: QuantityKind, found: QuantityKind)
        /// "1e308 kg": a number written with an exponent, which a technician does not mean.
        case exponent(String)
        /// "1 min 1 min", "30 min 1 h": a compound duration names each unit once, largest first.
        case unitOrder(String)
    }

    public let code: Code
    public let input: String

    public init(_ code: Code, input: String) {
        self.code = code
        self.input = input
    }

    public var description: String {
        let quoted = "\"\(input)\""
        switch code {
        case .empty: return "empty quantity: expected a number and a unit such as \"10 mg/mL\""
        case .missingNumber: return "\(quoted) does not start with a number"
        case .invalidNumber(let number): return "\(quoted): \"\(number)\" is not a number"
        case .missingUnit: return "\(quoted) has no unit; write it as e.g. \"22 mg/h\""
        case .unknownUnit(let unit): return "\(quoted): unknown unit \"\(unit)\""
        case .negative: return "\(quoted) is negative"
        case .notFinite: return "\(quoted) is not a finite number"
        case .exponent(let number): return "\(quoted): \"\(number)\" is written with an exponent; write the number out"
        case .unitOrder(let unit): return "\(quoted): \"\(unit)\" is out of order; name each unit once, largest first, as in \"1 h 30 min\""
        case .wrongKind(let expected, let found):
            return "\(quoted) is a \(found.noun) but a \(expected.noun) is needed (e.g. \(expected.example))"
        }
    }
}

/// What a parsed quantity measures; used to say what was expected when the wrong kind is typed.
public enum QuantityKind: String, Hashable, Sendable, CaseIterable {
    case volume, mass, weight, concentration, volumeRate, massRate, weightRate, weightDose, duration

    public var noun: String {
        switch self {
        case .volume: "volume"
        case .mass: "drug mass"
        case .weight: "patient weight"
        case .concentration: "concentration"
        case .volumeRate: "flow rate"
        case .massRate: "dose rate"
        case .weightRate: "weight-based dose rate"
        case .weightDose: "weight-based dose"
        case .duration: "duration"
        }
    }

    public var example: String {
        switch self {
        case .volume: "\"50 mL\""
        case .mass: "\"35 mg\""
        case .weight: "\"70 kg\""
        case .concentration: "\"10 mg/mL\""
        case .volumeRate: "\"2.2 mL/h\""
        case .massRate: "\"22 mg/h\""
        case .weightRate: "\"0.35 mg/kg/h\""
        case .weightDose: "\"0.2 mg/kg\""
        case .duration: "\"4 h\" or \"30 min\""
        }
    }
}
