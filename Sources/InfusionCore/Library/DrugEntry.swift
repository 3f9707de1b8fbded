/// How a drug's continuous dose may be prescribed.
public enum DoseRate: Hashable, Sendable, CustomStringConvertible {
    /// Scaled to the patient, e.g. 0.35 mg/kg/h for the CRPS series.
    case weightBased(MilligramsPerKilogramPerHour)
    /// A fixed rate, e.g. 22 mg/h for the continuous inpatient protocol.
    case fixed(MilligramsPerHour)

    public func drugRate(for weight: Kilograms) -> MilligramsPerHour {
        switch self {
        case .weightBased(let rate): rate * weight
        case .fixed(let rate): rate
        }
    }

    public var description: String {
        switch self {
        case .weightBased(let rate): "\(rate)"
        case .fixed(let rate): "\(rate)"
        }
    }
}

/// Hard caps on cumulative drug over rolling windows and over one program, per kilogram of patient.
///
/// - Important: these are enforced three times: when a program is validated, by the step planner
///   before every step, and by the independent safety monitor (DESIGN.md rule 1).
public struct CumulativeCaps: Hashable, Sendable {
    public let perHour: MilligramsPerKilogram
    public let perFourHours: MilligramsPerKilogram
    public let perTwentyFourHours: MilligramsPerKilogram
    public let perProgram: MilligramsPerKilogram

    public init(
        perHour: MilligramsPerKilogram, perFourHours: MilligramsPerKilogram,
        perTwentyFourHours: MilligramsPerKilogram, perProgram: MilligramsPerKilogram
    ) {
        self.perHour = perHour
        self.perFourHours = perFourHours
        self.perTwentyFourHours = perTwentyFourHours
        self.perProgram = perProgram
    }

    /// The caps in milligrams for one patient.
    public func forPatient(weighing weight: Kilograms) -> DoseCaps {
        DoseCaps(
            perHour: perHour * weight, perFourHours: perFourHours * weight,
            perTwentyFourHours: perTwentyFourHours * weight, perProgram: perProgram * weight)
    }
}

/// One drug of the library, with every limit the pump enforces for it.
public struct DrugEntry: Hashable, Sendable {
    public let name: String
    public let displayName: String
    /// The concentrations the pharmacy prepares; a program must use one of them.
    public let concentrations: [MilligramsPerMillilitre]
    /// Catches a vial (50 or 100 mg/mL) drawn up undiluted: a ten-fold error.
    public let concentrationLimits: LimitBand<MilligramsPerMillilitre>
    public let weightLimits: LimitBand<Kilograms>
    public let weightBasedDoseLimits: LimitBand<MilligramsPerKilogramPerHour>?
    public let fixedDoseLimits: LimitBand<MilligramsPerHour>?
    public let bolusLimits: LimitBand<MilligramsPerKilogram>?
    /// A bolus is given over at least this long, so a loading dose cannot be pushed in seconds.
    public let bolusDuration: Seconds
    public let caps: CumulativeCaps
    /// Keep-vein-open rate after completion; 0 for ketamine, whose infusion simply stops.
    public let keepVeinOpenRate: MillilitresPerHour
    /// How long before the syringe runs out the near-empty warning sounds.
    public let nearEmptyWarning: Seconds
    /// The vital-signs interlock (`[drug.vitals]`); nil where the library sets none.
    public let vitals: VitalsRules?

    public init(
        name: String, displayName: String, concentrations: [MilligramsPerMillilitre],
        concentrationLimits: LimitBand<MilligramsPerMillilitre>, weightLimits: LimitBand<Kilograms>,
        weightBasedDoseLimits: LimitBand<MilligramsPerKilogramPerHour>?, fixedDoseLimits: LimitBand<MilligramsPerHour>?,
        bolusLimits: LimitBand<MilligramsPerKilogram>?, bolusDuration: Seconds, caps: CumulativeCaps,
        keepVeinOpenRate: MillilitresPerHour, nearEmptyWarning: Seconds, vitals: VitalsRules? = nil
    ) {
        self.vitals = vitals
        self.name = name
        self.displayName = displayName
        self.concentrations = concentrations
        self.concentrationLimits = concentrationLimits
        self.weightLimits = weightLimits
        self.weightBasedDoseLimits = weightBasedDoseLimits
        self.fixedDoseLimits = fixedDoseLimits
        self.bolusLimits = bolusLimits
        self.bolusDuration = bolusDuration
        self.caps = caps
        self.keepVeinOpenRate = keepVeinOpenRate
        self.nearEmptyWarning = nearEmptyWarning
    }
}
