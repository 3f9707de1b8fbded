/// Reads `config/drug-library.toml` and refuses it whole when any entry is malformed or
/// self-contradictory: a soft limit outside its hard limit, a zero or negative rate, an unknown
/// unit or key. A half-read library is never used.
public enum DrugLibraryParser {
    public static func parse(_ text: String, file: String = "config/drug-library.toml") throws(ConfigurationError) -> DrugLibrary {
        let root = try TOMLDocument(text: text, file: file)
        try root.rejectUnknownKeys(["library", "drug"])
        let header = try root.table("library")
        try header.rejectUnknownKeys(["name", "version", "description"])
        let drugTables = try root.tables("drug")
        guard !drugTables.isEmpty else { throw root.error("drug", "the library has no [[drug]] entries") }

        var drugs: [DrugEntry] = []
        for table in drugTables {
            let drug = try parseDrug(table)
            guard !drugs.contains(where: { $0.name.lowercased() == drug.name.lowercased() }) else {
                throw table.error("name", "drug \"\(drug.name)\" is listed twice")
            }
            drugs.append(drug)
        }
        return DrugLibrary(
            name: try header.string("name"), version: try header.string("version"),
            checksum: SHA256.hexDigest(of: Array(text.utf8)), drugs: drugs)
    }

    private static func parseDrug(_ table: TOMLDocument) throws(ConfigurationError) -> DrugEntry {
        try table.rejectUnknownKeys([
            "name", "display_name", "concentrations", "concentration", "weight", "dose_weight_based", "dose_fixed",
            "bolus", "bolus_duration", "cumulative", "kvo_rate", "near_empty_warning", "vitals",
        ])
        let concentrationLimits = try band(table, "concentration", QuantityParser.concentration)
        let concentrations = try table.quantities("concentrations", QuantityParser.concentration)
        guard !concentrations.isEmpty else { throw table.error("concentrations", "must list at least one concentration") }
        for concentration in concentrations where !concentrationLimits.findings(for: concentration, field: "", rule: "").isEmpty {
            throw table.error("concentrations", "\(concentration) lies outside the concentration soft/hard limits")
        }

        let weightBased = try optionalBand(table, "dose_weight_based", QuantityParser.weightRate)
        let fixed = try optionalBand(table, "dose_fixed", QuantityParser.massRate)
        guard weightBased != nil || fixed != nil else {
            throw table.error("dose_weight_based", "a drug needs [dose_weight_based] or [dose_fixed] limits")
        }

        let cumulative = try table.table("cumulative")
        try cumulative.rejectUnknownKeys(["hard_max_1h", "hard_max_4h", "hard_max_24h", "hard_max_program"])
        let caps = CumulativeCaps(
            perHour: try positive(cumulative, "hard_max_1h", QuantityParser.weightDose),
            perFourHours: try positive(cumulative, "hard_max_4h", QuantityParser.weightDose),
            perTwentyFourHours: try positive(cumulative, "hard_max_24h", QuantityParser.weightDose),
            perProgram: try positive(cumulative, "hard_max_program", QuantityParser.weightDose))
        guard caps.perHour <= caps.perFourHours, caps.perFourHours <= caps.perTwentyFourHours else {
            throw cumulative.error("hard_max_4h", "rolling caps must not shrink as the window grows (1 h ≤ 4 h ≤ 24 h)")
        }

        let name = try table.string("name")
        // The name a technician types and every display shows: ASCII letters, digits, spaces and
        // hyphens only. A Cyrillic "і" made a second "ketamіne" that looks the same everywhere
        // (red team, issue 14 F12); `display_name` may say anything.
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == " " || $0 == "-") })
        else {
            throw table.error("name", "\(name.debugDescription) has characters other than ASCII letters, digits, spaces and hyphens")
        }
        let entry = DrugEntry(
            name: name,
            displayName: try table.optionalString("display_name") ?? name,
            concentrations: concentrations,
            concentrationLimits: concentrationLimits,
            weightLimits: try band(table, "weight", QuantityParser.weight),
            weightBasedDoseLimits: weightBased,
            fixedDoseLimits: fixed,
            bolusLimits: try optionalBand(table, "bolus", QuantityParser.weightDose),
            bolusDuration: try positive(table, "bolus_duration", QuantityParser.duration),
            caps: caps,
            keepVeinOpenRate: try table.quantity("kvo_rate", QuantityParser.volumeRate),
            nearEmptyWarning: try positive(table, "near_empty_warning", QuantityParser.duration),
            vitals: try vitalsRules(table))
        try LibrarySense.check(entry, table)
        return entry
    }

    private static func vitalsRules(_ table: TOMLDocument) throws(ConfigurationError) -> VitalsRules? {
        guard let vitals = try table.optionalTable("vitals") else { return nil }
        return try VitalsRulesParser.parse(vitals)
    }

    private static func positive<Value: PhysicalQuantity>(
        _ table: TOMLDocument, _ key: String, _ parse: (String) throws(QuantityParseError) -> Value
    ) throws(ConfigurationError) -> Value {
        let value = try table.quantity(key, parse)
        guard value.value > 0 else { throw table.error(key, "must be greater than zero") }
        return value
    }

    private static func optionalBand<Value: PhysicalQuantity>(
        _ table: TOMLDocument, _ key: String, _ parse: (String) throws(QuantityParseError) -> Value
    ) throws(ConfigurationError) -> LimitBand<Value>? {
        table.contains(key) ? try band(table, key, parse) : nil
    }

    /// Reads `hard_min`, `soft_min`, `soft_max`, `hard_max` and checks they are in order.
    private static func band<Value: PhysicalQuantity>(
        _ parent: TOMLDocument, _ key: String, _ parse: (String) throws(QuantityParseError) -> Value
    ) throws(ConfigurationError) -> LimitBand<Value> {
        let table = try parent.table(key)
        try table.rejectUnknownKeys(["hard_min", "soft_min", "soft_max", "hard_max"])
        let hardMaximum = try positive(table, "hard_max", parse)
        // LIB-003: a band open at the bottom let a dose of 10⁻¹³ mg/kg/h for 10¹² h through to a
        // trap; every limit the pump enforces has a floor the library names.
        guard table.contains("hard_min") else {
            throw table.error("hard_min", "is required: a band with no hard minimum lets a vanishing dose, concentration or weight through")
        }
        let hardMinimum = try positive(table, "hard_min", parse)
        let band = LimitBand(
            hardMinimum: hardMinimum,
            softMinimum: try table.optionalQuantity("soft_min", parse),
            softMaximum: try table.optionalQuantity("soft_max", parse),
            hardMaximum: hardMaximum)
        let ordered: [(String, Value?)] = [
            ("hard_min", band.hardMinimum), ("soft_min", band.softMinimum), ("soft_max", band.softMaximum),
            ("hard_max", band.hardMaximum),
        ]
        var previous: (String, Value)?
        for (name, value) in ordered {
            guard let value else { continue }
            if let previous, value < previous.1 {
                // A soft limit outside its hard limit is the soft limit's fault; name that one.
                let culprit = name.hasPrefix("hard") && previous.0.hasPrefix("soft") ? previous.0 : name
                throw table.error(
                    culprit,
                    "\(previous.0) \(previous.1) is above \(name) \(value): limits must be ordered hard_min ≤ soft_min ≤ soft_max ≤ hard_max")
            }
            previous = (name, value)
        }
        return band
    }
}
