import InfusionCore

/// Everything one run produced: logs, totals, trace, and the expectations that failed.
public struct ScenarioResult: Sendable {
    public struct AlarmRaised: Sendable, Equatable {
        public var id: AlarmID
        public var at: ControlDuration
    }

    public struct CommandRecord: Sendable {
        public var at: ControlDuration
        public var command: String
        public var accepted: Bool
        public var detail: String
    }

    public struct TraceSample: Sendable {
        public var at: ControlDuration
        public var deliveredToPatient: Double
        public var pressure: Double
        public var state: InfusionState
    }

    public var scenario: String
    public var tick: ControlDuration
    public var simulated: ControlDuration
    public var wallSeconds: Double = 0
    public var alarms: [AlarmRaised] = []
    public var commands: [CommandRecord] = []
    public var failures: [String] = []
    public var finalState: InfusionState = .noSyringe
    public var finalAudioPaused = false
    public var concentration: MilligramsPerMillilitre?
    public var deliveredToPatient = Millilitres.zero
    public var ledgerDrug = Milligrams.zero
    public var commandedSteps: Int64 = 0
    public var maximumStepError = 0.0
    public var peakPressure = 0.0
    public var postOcclusionBolus: Millilitres?
    /// Forward steps in ticks that ended with a delivery-stopping alarm active; the one tick that
    /// takes the caps' last headroom and raises `dose_limit_reached` is not counted (its steps are
    /// judged against the caps instead).
    public var forwardStepsDuringStoppingAlarm: Int64 = 0
    /// Forward steps after a high-priority alarm and before a reset and then a start or resume
    /// were accepted: the alarm's stop must hold until a person has both cleared and restarted.
    public var forwardStepsAfterHighAlarmBeforeRestart: Int64 = 0
    /// Moments a rolling window or the program total stood above its cap (must stay empty).
    public var capViolations: [String] = []
    /// What the physics showed against the caps, the ledger, the loading bolus and the alarms
    /// (``PhysicalJudge``): the first few, and how many in all (must be 0).
    public var physicalViolations: [String] = []
    public var physicalViolationCount = 0
    /// Steps sent to a disabled driver (must be 0).
    public var stepsWhileDisabled: Int64 = 0
    public var samples: [TraceSample] = []
    /// The highest each of the patient's signs reached (their lowest for SpO2 and breathing is
    /// `patientTrough`), and the ketamine patient's peak concentrations, ng/mL.
    public var patientPeak = PerSign<Double>()
    public var patientTrough = PerSign<Double>()
    public var peakPlasma: Double?
    public var peakEffectSite: Double?

    public var passed: Bool { failures.isEmpty }

    /// Drug that reached the patient according to the physics (ground truth).
    public var deliveredDrug: Milligrams { concentration.map { deliveredToPatient * $0 } ?? .zero }

    public var speedup: Double { wallSeconds > 0 ? simulated.seconds.value / wallSeconds : 0 }
}
