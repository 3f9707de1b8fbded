/// The controller's tunable numbers, each with where it comes from.
public struct ControllerSettings: Hashable, Sendable {
    public var mechanics: PumpMechanics
    /// An encoder is fitted and the safety monitor cross-checks it against the steps.
    public var encoderFitted: Bool
    /// Downstream occlusion alarm level. GIP 1.10.x requires it below 1 034 mmHg (20 psi); 500 mmHg
    /// is the "medium" level of common syringe pumps.
    public var occlusionThreshold: MillimetresOfMercury
    /// Early occlusion: pressure rising at least this fast over ``occlusionRiseWindow``, once above
    /// ``occlusionRiseFloor``, raises the alarm before the level is reached.
    public var occlusionRiseMillimetresOfMercuryPerSecond: Double
    public var occlusionRiseWindow: ControlDuration
    public var occlusionRiseFloor: MillimetresOfMercury
    /// Back-off after occlusion (DESIGN.md rule 7) ends when the line pressure falls to this.
    /// 20 mmHg is just above a peripheral vein's pressure (about 10 mmHg, the simulator's model):
    /// low enough that little stored volume is left to bolus, high enough that the plunger stops
    /// before it could draw blood back into the line.
    public var backoffReleasePressure: MillimetresOfMercury
    /// Hard bound on back-off travel per occlusion alarm, so reverse delivery can never continue.
    public var backoffLimit: Millilitres
    /// GIP 1.9.1: alarm for a single bubble above 200 µL (set per device).
    public var airBubbleLimit: Millilitres
    /// Disagreement between encoder and steps tolerated before stall or runaway is declared:
    /// 64 microsteps is four full steps, what a stepper loses when it skips one electrical cycle.
    public var encoderToleranceSteps: Int64
    /// GIP 3.x call-back: a pump left paused this long calls for attention.
    public var pausedCallBack: ControlDuration
    /// Priming speed, capped by the drive's maximum for the syringe: 1 mL in 12 s. A design
    /// choice, not from a standard: fast enough to fill a line while the technician watches,
    /// slow enough that a line already on a patient gets no more than a prime's volume.
    public var primeRate = MillilitresPerHour(300)
    /// The most one `prime` may move. A design choice, not from a standard or a line's data
    /// sheet: check it against the extension sets the clinic uses. More than this is refused
    /// rather than pushed into a line that may already be on a patient.
    public var primeVolumeLimit = Millilitres(5)

    public init(
        mechanics: PumpMechanics = .reference, encoderFitted: Bool = true,
        occlusionThreshold: MillimetresOfMercury = MillimetresOfMercury(500),
        occlusionRiseMillimetresOfMercuryPerSecond: Double = 2, occlusionRiseWindow: ControlDuration = .seconds(10),
        occlusionRiseFloor: MillimetresOfMercury = MillimetresOfMercury(200),
        backoffReleasePressure: MillimetresOfMercury = MillimetresOfMercury(20),
        backoffLimit: Millilitres = Millilitres(0.5), airBubbleLimit: Millilitres = Millilitres(0.2),
        encoderToleranceSteps: Int64 = 64, pausedCallBack: ControlDuration = .minutes(2)
    ) {
        self.mechanics = mechanics
        self.encoderFitted = encoderFitted
        self.occlusionThreshold = occlusionThreshold
        self.occlusionRiseMillimetresOfMercuryPerSecond = occlusionRiseMillimetresOfMercuryPerSecond
        self.occlusionRiseWindow = occlusionRiseWindow
        self.occlusionRiseFloor = occlusionRiseFloor
        self.backoffReleasePressure = backoffReleasePressure
        self.backoffLimit = backoffLimit
        self.airBubbleLimit = airBubbleLimit
        self.encoderToleranceSteps = encoderToleranceSteps
        self.pausedCallBack = pausedCallBack
    }

    /// The GIP 1.10.x ceiling on the occlusion alarm level.
    public static let occlusionCeiling = MillimetresOfMercury(1_034)

    /// Refuses settings that would make a safety function meaningless.
    public func validated() throws(ConfigurationError) -> ControllerSettings {
        func refuse(_ field: String, _ reason: String) -> ConfigurationError {
            ConfigurationError(file: "settings", entry: nil, field: field, reason: reason)
        }
        guard occlusionThreshold.value > 0, occlusionThreshold < Self.occlusionCeiling else {
            throw refuse("occlusion_threshold", "must be above 0 and below \(Self.occlusionCeiling) (GIP 1.10.x)")
        }
        guard occlusionRiseFloor < occlusionThreshold else {
            throw refuse("occlusion_rise_floor", "must be below the occlusion threshold")
        }
        guard backoffLimit.value > 0, backoffLimit.value <= 0.5 else {
            throw refuse("backoff_limit", "must be above 0 and at most 0.5 mL (GIP 1.10.7)")
        }
        guard airBubbleLimit.value > 0, airBubbleLimit.value <= 0.2 else {
            throw refuse("air_bubble_limit", "must be above 0 and at most 200 µL (GIP 1.9.1)")
        }
        guard encoderToleranceSteps > 0 else { throw refuse("encoder_tolerance_steps", "must be positive") }
        guard pausedCallBack >= .seconds(10), pausedCallBack <= .hours(1) else {
            throw refuse("paused_call_back", "must be 10 s to 1 h, not \(pausedCallBack) (GIP 3.x call-back)")
        }
        guard primeVolumeLimit.value > 0, primeVolumeLimit.value <= 5, primeRate.value > 0 else {
            throw refuse("prime", "the prime's volume must be above 0 and at most 5 mL, its rate above 0")
        }
        return self
    }
}
