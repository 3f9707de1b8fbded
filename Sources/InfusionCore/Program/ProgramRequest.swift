/// What a technician asks for: the parameters of `infusionctl program`.
public struct ProgramRequest: Hashable, Sendable {
    /// How long the program runs: for a time, or until a volume has been infused.
    public enum Extent: Hashable, Sendable {
        case duration(Seconds)
        case volume(Millilitres)
    }

    public var drug: String
    public var concentration: MilligramsPerMillilitre
    public var weight: Kilograms
    public var dose: DoseRate
    public var extent: Extent
    public var loadingBolus: MilligramsPerKilogram?
    /// The technician's explicit confirmation of every soft limit crossed (DESIGN.md rule 2).
    public var confirmSoftLimits: Bool

    public init(
        drug: String, concentration: MilligramsPerMillilitre, weight: Kilograms, dose: DoseRate, extent: Extent,
        loadingBolus: MilligramsPerKilogram? = nil, confirmSoftLimits: Bool = false
    ) {
        self.drug = drug
        self.concentration = concentration
        self.weight = weight
        self.dose = dose
        self.extent = extent
        self.loadingBolus = loadingBolus
        self.confirmSoftLimits = confirmSoftLimits
    }
}

/// A bolus as it will be delivered: drug, volume, and the rate it runs at on top of the basal rate.
public struct BolusPlan: Hashable, Sendable {
    public let dose: MilligramsPerKilogram
    public let drug: Milligrams
    public let volume: Millilitres
    public let rate: MillilitresPerHour
    public let duration: Seconds
}

/// A validated program with everything derived from it: what the controller runs.
public struct InfusionPlan: Hashable, Sendable {
    public let drug: DrugEntry
    public let concentration: MilligramsPerMillilitre
    public let weight: Kilograms
    public let dose: DoseRate
    public let drugRate: MilligramsPerHour
    public let rate: MillilitresPerHour
    public let duration: Seconds
    public let volume: Millilitres
    public let totalDrug: Milligrams
    public let loadingBolus: BolusPlan?
    public let caps: DoseCaps
    /// Soft limits the technician confirmed; logged with the program.
    public let confirmedSoftLimits: [LimitFinding]
    /// The library this plan was checked against (its SHA-256).
    public let libraryChecksum: String
}

/// The outcome of validating a program (or a bolus) against the drug library.
public enum ProgramValidation: Hashable, Sendable {
    case accepted(InfusionPlan)
    /// Only soft limits are crossed: the same request with `confirmSoftLimits` is accepted.
    case needsConfirmation([LimitFinding])
    /// Hard limits are crossed (each named, with value and limit); nothing can override them.
    case refused([LimitFinding])

    public var plan: InfusionPlan? {
        if case .accepted(let plan) = self { return plan }
        return nil
    }
}
