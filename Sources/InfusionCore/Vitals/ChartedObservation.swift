import Foundation

/// What a nurse types for `infusionctl vitals` (issue 17): `--bp "150/95" --rr 14 --hr 80
/// --spo2 96`. Read here, once, for the socket and the command line alike; each value a plain
/// number (a unit, if written, must be the sign's own), stamped by the controller when applied.
public enum ChartedObservation {
    public struct Problem: Error, Hashable, Sendable, CustomStringConvertible {
        public let field: String
        public let reason: String
        public var description: String { "\(field): \(reason)" }
    }

    public static func parse(bloodPressure: String?, respiratoryRate: String?, heartRate: String?, spo2: String?) throws(Problem) -> VitalReadings {
        var readings = VitalReadings()
        if let bloodPressure {
            let parts = bloodPressure.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw Problem(field: "bp", reason: "\"\(bloodPressure)\" is not systolic/diastolic, e.g. \"150/95\"") }
            readings[.systolic] = VitalReading(value: try number(String(parts[0]), .systolic, field: "bp"), measuredAt: .origin)
            readings[.diastolic] = VitalReading(value: try number(String(parts[1]), .diastolic, field: "bp"), measuredAt: .origin)
        }
        for (text, sign, field) in [(respiratoryRate, VitalSign.respiratoryRate, "rr"), (heartRate, .heartRate, "hr"), (spo2, .spo2, "spo2")] {
            guard let text else { continue }
            readings[sign] = VitalReading(value: try number(text, sign, field: field), measuredAt: .origin)
        }
        guard !readings.isEmpty else { throw Problem(field: "vitals", reason: "give at least one of bp, rr, hr, spo2") }
        if let why = readings.implausibility { throw Problem(field: "vitals", reason: why) }
        return readings
    }

    private static func number(_ text: String, _ sign: VitalSign, field: String) throws(Problem) -> Double {
        var digits = text.trimmingCharacters(in: .whitespaces)
        if digits.hasSuffix(sign.unit) { digits = String(digits.dropLast(sign.unit.count)).trimmingCharacters(in: .whitespaces) }
        guard (1...6).contains(digits.count), digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(digits), value.isFinite else {
            throw Problem(field: field, reason: "\"\(text)\" is not a number of \(sign.unit)")
        }
        return value
    }
}
