/// Reads a drug's `[drug.vitals]` table (docs/drug-library.md, "The vital-signs interlock") and
/// refuses it whole, naming the key, when a limit is outside what a living adult can show, a
/// critical limit is inside its warning limit, a band is empty, a time is out of its range or a
/// required source is unknown: a half-read interlock would watch less than the pharmacist wrote.
enum VitalsRulesParser {
    static func parse(_ table: TOMLDocument) throws(ConfigurationError) -> VitalsRules {
        try table.rejectUnknownKeys(Set(["require", "oximeter_lost_after", "chart_every", "chart_grace"] + VitalSign.allCases.map(\.name)))
        var bands: [VitalSign: VitalBand] = [:]
        for sign in VitalSign.allCases {
            guard let signTable = try table.optionalTable(sign.name) else { continue }
            bands[sign] = try band(sign, signTable)
        }
        guard !bands.isEmpty else { throw table.error("spo2", "[drug.vitals] watches no sign: give at least one of \(VitalSign.allCases.map(\.name).joined(separator: ", "))") }

        var requireOximeter = false
        var charted: Set<VitalSign> = []
        for name in try table.contains("require") ? table.strings("require") : [] {
            if name == "oximeter" {
                guard bands[.spo2] != nil || bands[.heartRate] != nil else {
                    throw table.error("require", "\"oximeter\" is required but neither spo2 nor heart_rate is watched")
                }
                requireOximeter = true
            } else if let sign = VitalSign(name: name) {
                guard bands[sign] != nil else { throw table.error("require", "\"\(name)\" must be charted but has no [drug.vitals.\(name)] band") }
                charted.insert(sign)
            } else {
                throw table.error("require", "\"\(name)\" is neither \"oximeter\" nor a sign (\(VitalSign.allCases.map(\.name).joined(separator: ", ")))")
            }
        }
        return VitalsRules(
            bands: bands, requireOximeter: requireOximeter,
            oximeterLostAfter: try duration(table, "oximeter_lost_after", default: .seconds(15), within: .seconds(3)...(.minutes(2))),
            requiredCharted: charted,
            chartEvery: try duration(table, "chart_every", default: .minutes(15), within: .minutes(1)...(.minutes(24 * 60))),
            chartGrace: try duration(table, "chart_grace", default: .minutes(5), within: .zero...(.minutes(60))))
    }

    private static func band(_ sign: VitalSign, _ table: TOMLDocument) throws(ConfigurationError) -> VitalBand {
        let keys = ["critical_below", "warning_below", "warning_above", "critical_above"]
        try table.rejectUnknownKeys(Set(keys + ["persist"]))
        var limits: [Double?] = []
        for key in keys {
            let value = try table.optionalNumber(key)
            if let value, !sign.physicalRange.contains(value) {
                throw table.error(key, "\(value) \(sign.unit) is outside what a living adult shows (\(sign.physicalRange.lowerBound)–\(sign.physicalRange.upperBound) \(sign.unit))")
            }
            limits.append(value)
        }
        guard limits.contains(where: { $0 != nil }) else { throw table.error("warning_below", "the band sets no limit") }
        // Critical below ≤ warning below < warning above ≤ critical above, where given.
        let given = zip(keys, limits).compactMap { key, value in value.map { (key, $0) } }
        for (lower, upper) in zip(given, given.dropFirst()) where lower.1 > upper.1 || (lower.0.hasSuffix("below") && upper.0.hasSuffix("above") && lower.1 == upper.1) {
            throw table.error(upper.0, "\(upper.1) is not above \(lower.0) \(lower.1): limits run critical_below ≤ warning_below < warning_above ≤ critical_above")
        }
        // Persistence is the oximeter's: a charted value counts at once, so a `persist` on a sign
        // only a cuff or a count gives would be silently ignored (red team). On the oximeter it is
        // at least 2 s, so no single line (one a second) can stop an infusion by itself.
        guard VitalSign.oximeterSigns.contains(sign) || !table.contains("persist") else {
            throw table.error("persist", "\(sign.name) is charted, and a charted value counts at once: persist applies to spo2 and heart_rate only")
        }
        return VitalBand(
            warningBelow: limits[1], warningAbove: limits[2], criticalBelow: limits[0], criticalAbove: limits[3],
            persist: try duration(table, "persist", default: .seconds(15), within: .seconds(2)...(.minutes(5))))
    }

    private static func duration(
        _ table: TOMLDocument, _ key: String, default defaultValue: ControlDuration, within range: ClosedRange<ControlDuration>
    ) throws(ConfigurationError) -> ControlDuration {
        guard let seconds = try table.optionalQuantity(key, QuantityParser.duration) else { return defaultValue }
        let value = ControlDuration(seconds)
        guard range.contains(value) else { throw table.error(key, "must be \(range.lowerBound) to \(range.upperBound), not \(seconds)") }
        return value
    }
}
