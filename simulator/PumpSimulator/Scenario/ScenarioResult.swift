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
    public var concentration: MilligramsPerMillilitre?
    public var deliveredToPatient = Millilitres.zero
    public var ledgerDrug = Milligrams.zero
    public var commandedSteps: Int64 = 0
    public var maximumStepError = 0.0
    public var peakPressure = 0.0
    public var postOcclusionBolus: Millilitres?
    /// Ticks in which the motor was driven forward while a delivery-stopping alarm was active.
    public var forwardStepsDuringStoppingAlarm: Int64 = 0
    /// Forward steps after a high-priority alarm and before a reset and then a start or resume
    /// were accepted: the alarm's stop must hold until a person has both cleared and restarted.
    public var forwardStepsAfterHighAlarmBeforeRestart: Int64 = 0
    /// Moments a rolling window or the program total stood above its cap (must stay empty).
    public var capViolations: [String] = []
    /// Steps sent to a disabled driver (must be 0).
    public var stepsWhileDisabled: Int64 = 0
    public var samples: [TraceSample] = []

    public var passed: Bool { failures.isEmpty }

    /// Drug that reached the patient according to the physics (ground truth).
    public var deliveredDrug: Milligrams { concentration.map { deliveredToPatient * $0 } ?? .zero }

    public var speedup: Double { wallSeconds > 0 ? simulated.seconds.value / wallSeconds : 0 }
}
