/// The syringe in the clamp as the tick sees it: plain numbers only, so reading it in the tick
/// costs no reference counting. The model's name lives in ``InfusionController/syringeSpec``.
public struct LoadedSyringe: Hashable, Sendable {
    public let fill: Millilitres
    public let stepsPerMillilitre: Double
    public let plungerAreaSquareMillimetres: Double
    /// A smart pump is told it (NE-1000 `DIA`): it computes its own delivery from it.
    public let innerDiameterMillimetres: Double
    /// Net steps pushed since loading (forward minus back-off).
    public var netSteps: Int64 = 0

    public init(spec: SyringeSpec, fill: Millilitres, mechanics: PumpMechanics) {
        self.fill = fill
        self.stepsPerMillilitre = mechanics.stepsPerMillilitre(for: spec)
        self.plungerAreaSquareMillimetres = spec.plungerAreaSquareMillimetres
        self.innerDiameterMillimetres = spec.innerDiameterMillimetres
    }

    /// Whole steps left before the syringe is empty.
    public var remainingSteps: Int64 {
        max(0, Int64((fill.value * stepsPerMillilitre).rounded(.down)) - netSteps)
    }

    public var remaining: Millilitres { Millilitres(Double(remainingSteps) / stepsPerMillilitre) }

    /// Line pressure from plunger force: P = F / A, with 1 N/mm² = 7 500.6 mmHg.
    public func pressure(fromForce newtons: Double) -> MillimetresOfMercury {
        MillimetresOfMercury(max(0, newtons) / plungerAreaSquareMillimetres * 7_500.617)
    }
}

/// A program being delivered. What the tick updates about it — the basal volume delivered
/// (``InfusionController/programDeliveredVolume``) and whether the loading bolus is settled
/// (``InfusionController/loadingBolusSettled``) — are plain fields of the controller, so the tick
/// never touches this struct's strings and arrays.
public struct ActiveProgram: Hashable, Sendable {
    public let plan: InfusionPlan
    /// The plan's numbers the tick needs, copied out so the tick touches no arrays or strings.
    public let limits: ProgramLimits
    /// Whether delivery has ever started (a restart during it raises an alarm).
    public var started = false

    public init(plan: InfusionPlan) {
        self.plan = plan
        self.limits = ProgramLimits(plan: plan)
    }
}

/// The plain numbers of a plan that the tick reads.
public struct ProgramLimits: Hashable, Sendable {
    public let caps: DoseCaps
    public let rate: MillilitresPerHour
    public let volume: Millilitres
    public let concentration: MilligramsPerMillilitre
    public let keepVeinOpenRate: MillilitresPerHour
    public let nearEmptyWarning: Seconds

    public init(plan: InfusionPlan) {
        caps = plan.caps
        rate = plan.rate
        volume = plan.volume
        concentration = plan.concentration
        keepVeinOpenRate = plan.drug.keepVeinOpenRate
        nearEmptyWarning = plan.drug.nearEmptyWarning
    }
}
