/// A program accepted by the controller, and how far it has got.
///
/// A program is given once (DESIGN.md rule 10): ``Phase`` only moves forward, and the journal keeps
/// it, so neither a completed program nor a loading bolus already begun can be given again after a
/// restart. Both once could: a completed program came back `programmed` and a plain start ran it
/// again, loading bolus included (issue 14, finding 2).
///
/// What the tick updates about it (the basal volume delivered) is a plain field of the controller,
/// ``InfusionController/programDeliveredVolume``, so the tick never touches this struct's strings
/// and arrays.
public struct ActiveProgram: Hashable, Sendable {
    public enum Phase: String, CaseIterable, Hashable, Sendable {
        /// Accepted, never started.
        case ready
        /// Started: delivering, paused, or stopped by an alarm or a fault, with drug still to give.
        case underWay = "under_way"
        /// Completed (KVO included): never startable again; a new program is a new `program`.
        case finished
    }

    public let plan: InfusionPlan
    /// The plan's numbers the tick needs, copied out so the tick touches no arrays or strings.
    public let limits: ProgramLimits
    public internal(set) var phase = Phase.ready
    /// The loading bolus has begun. It is given at most once: begun counts, since a bolus cut short
    /// by a pause, an alarm or a restart is abandoned, never finished later by surprise.
    public internal(set) var loadingBolusBegun = false

    public init(plan: InfusionPlan) {
        self.plan = plan
        self.limits = ProgramLimits(plan: plan)
    }

    /// A program as the journal kept it (``PersistentState``).
    public init(plan: InfusionPlan, phase: Phase, loadingBolusBegun: Bool) {
        self.init(plan: plan)
        self.phase = phase
        self.loadingBolusBegun = loadingBolusBegun
    }

    /// Whether delivery has ever started (a restart during it raises an alarm).
    public var started: Bool { phase != .ready }

    /// Whether a start now would begin with the loading bolus.
    public var owesLoadingBolus: Bool { plan.loadingBolus != nil && !loadingBolusBegun }
}

/// The plain numbers of a plan that the tick reads.
public struct ProgramLimits: Hashable, Sendable {
    public let caps: DoseCaps
    public let rate: MillilitresPerHour
    public let volume: Millilitres
    public let concentration: MilligramsPerMillilitre
    public let keepVeinOpenRate: MillilitresPerHour
    public let nearEmptyWarning: Seconds
    /// The drug's vital-signs interlock; nil where the library sets none for it.
    public let vitals: VitalsRules?

    public init(plan: InfusionPlan) {
        caps = plan.caps
        rate = plan.rate
        volume = plan.volume
        concentration = plan.concentration
        keepVeinOpenRate = plan.drug.keepVeinOpenRate
        nearEmptyWarning = plan.drug.nearEmptyWarning
        vitals = plan.drug.vitals
    }
}
