/// What a drug library may say at all (LIB-003): bounds of physical and clinical sense, checked
/// after an entry's own bands are read and ordered. An entry outside them is refused whole, naming
/// the entry and the field, so nothing it says reaches the ledger's integer arithmetic or the
/// tick: `hard_max_program = "1000000000000 mg/kg"` once passed `--check-config` and then trapped
/// the loop thread at the next program, and `kvo_rate = "1000 mL/h"` ran after completion
/// (issue 14, finding 6).
///
/// The bounds are deliberately far from any real drug's (the library's own bands are where the
/// clinical limits live); they only keep out what no pharmacy could mean.
enum LibrarySense {
    /// Keep-vein-open runs after a program ends with nobody asking: commercial pumps cap it at a
    /// few mL/h (issue 14 sets 5 mL/h), and it must never give more drug per hour, at the
    /// strongest concentration, than the smallest dose the entry lets anyone program for its
    /// smallest patient. Bounded by the hard maximum dose, a 5 mL/h KVO at 10 mg/mL gave a 30 kg
    /// patient 150 mg over 3 h after a 0.5 mg program (red team, issue 14 F11): a KVO that is a
    /// therapeutic dose is not keeping a vein open.
    static let maximumKeepVeinOpen = MillilitresPerHour(5)
    /// More concentrated than any drug solution: pure water is 1 000 mg/mL.
    static let maximumConcentration = MilligramsPerMillilitre(1_000)
    /// The heaviest recorded person weighed about 635 kg.
    static let maximumWeight = Kilograms(650)
    /// No cap, bolus or hourly dose, for the heaviest patient the entry allows, may be above a
    /// kilogram of drug: 10¹⁵ pg, four thousand times below where the ledger's `Int64`
    /// picograms (9.2 × 10¹⁸) overflow, so sums over a day of records stay exact.
    static let maximumDrug = Milligrams(1_000_000)
    /// A bolus given over, or a near-empty warning given ahead by, more than a day is not one.
    static let maximumDuration = Seconds(86_400)
    /// A bolus given faster than this is a push the drive and the line were not made for: a 1 ms
    /// `bolus_duration` ran the drive flat out to 386 mmHg (red team, issue 14 F10).
    static let minimumBolusDuration = Seconds(10)

    static func check(_ drug: DrugEntry, _ table: TOMLDocument) throws(ConfigurationError) {
        let heaviest = drug.weightLimits.hardMaximum
        let lightest = drug.weightLimits.hardMinimum ?? heaviest
        let strongest = max(drug.concentrationLimits.hardMaximum, drug.concentrations.max() ?? .zero)
        if drug.concentrationLimits.hardMaximum > maximumConcentration {
            throw table.error("concentration.hard_max", "\(drug.concentrationLimits.hardMaximum) is above any solution (\(maximumConcentration))")
        }
        if heaviest > maximumWeight {
            throw table.error("weight.hard_max", "\(heaviest) is above any patient (\(maximumWeight))")
        }
        func refuseDrug(_ field: String, _ amount: Milligrams, _ what: String) throws(ConfigurationError) {
            guard amount.value.isFinite, amount <= maximumDrug else {
                throw table.error(field, "\(what) comes to \(amount) for a \(heaviest) patient, above \(maximumDrug): beyond the ledger's arithmetic and any clinical sense")
            }
        }
        try refuseDrug("cumulative.hard_max_1h", drug.caps.perHour * heaviest, "the 1 h cap")
        try refuseDrug("cumulative.hard_max_4h", drug.caps.perFourHours * heaviest, "the 4 h cap")
        try refuseDrug("cumulative.hard_max_24h", drug.caps.perTwentyFourHours * heaviest, "the 24 h cap")
        try refuseDrug("cumulative.hard_max_program", drug.caps.perProgram * heaviest, "the program cap")
        if let bolus = drug.bolusLimits { try refuseDrug("bolus.hard_max", bolus.hardMaximum * heaviest, "the largest bolus") }
        if let band = drug.weightBasedDoseLimits {
            try refuseDrug("dose_weight_based.hard_max", band.hardMaximum * heaviest * Seconds(3_600), "an hour at the hard maximum")
        }
        if let band = drug.fixedDoseLimits {
            try refuseDrug("dose_fixed.hard_max", band.hardMaximum * Seconds(3_600), "an hour at the hard maximum")
        }
        if drug.bolusDuration > maximumDuration {
            throw table.error("bolus_duration", "\(drug.bolusDuration) is longer than a day")
        }
        if drug.bolusDuration < minimumBolusDuration {
            throw table.error("bolus_duration", "\(drug.bolusDuration.value) s is shorter than \(minimumBolusDuration), the quickest bolus the drive gives")
        }
        if drug.nearEmptyWarning > maximumDuration {
            throw table.error("near_empty_warning", "\(drug.nearEmptyWarning) is longer than a day")
        }
        let keepVeinOpen = drug.keepVeinOpenRate
        if keepVeinOpen > maximumKeepVeinOpen {
            // The value as written, unrounded: "5 mL/h is above 5 mL/h" explained nothing.
            throw table.error("kvo_rate", "\(keepVeinOpen.value) mL/h is above \(maximumKeepVeinOpen), the most a keep-vein-open rate may be")
        }
        // The smallest dose the entry lets anyone program for its smallest patient, per hour.
        var floors: [MilligramsPerHour] = []
        if let band = drug.weightBasedDoseLimits, let minimum = band.hardMinimum { floors.append(minimum * lightest) }
        if let band = drug.fixedDoseLimits, let minimum = band.hardMinimum { floors.append(minimum) }
        if let floor = floors.min(), keepVeinOpen * strongest > floor {
            throw table.error(
                "kvo_rate",
                "\(keepVeinOpen) of \(strongest) is \(keepVeinOpen * strongest), above the smallest dose the entry allows (\(floor) for a \(lightest) patient): a KVO is not a therapeutic dose")
        }
    }
}
