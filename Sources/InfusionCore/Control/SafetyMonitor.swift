/// An independent check on the planner, with its own counts (DESIGN.md rule 1, third check).
///
/// It counts the steps it has permitted, the steps the driver reports having emitted, and the
/// encoder's motion where one is fitted, and keeps its own dose tally from the *emitted* steps.
/// It demands the motor be disabled when:
/// - the driver emitted more steps than were permitted, or the encoder moved further than the
///   steps (runaway: motion without command);
/// - the encoder moved less than the steps by more than the tolerance (stall), or the driver
///   fell more than a tick behind what was permitted;
/// - a proposed step would take its own tally past a cap;
/// - the planner's ledger holds less than its own tally (the ledger would under-count).
///
/// - Important: it shares no state with the planner; it sees only the proposed actuation and the
///   sensor snapshot, so a planner bug cannot also blind it.
public struct SafetyMonitor: Sendable {
    public enum Verdict: Hashable, Sendable {
        case permit
        case stall
        case runaway
        case capReached
        case ledgerBehind
    }

    private let encoderCountsPerStep: Double
    private let encoderFitted: Bool
    private let toleranceSteps: Int64
    private var motorOrigin: Int64?
    private var encoderOrigin: Int64?
    private var permittedSteps: Int64 = 0
    private var lastMotorSteps: Int64 = 0
    private var tally: DoseLedger
    private var caps: DoseCaps?
    private var picogramsPerStep: Picograms = .zero
    private var primingAllowance: Int64 = 0
    /// The furthest the encoder has run ahead of the emitted steps, in whole steps: forward
    /// plunger motion nobody commanded. The controller counts it as drug (DESIGN.md rule 10: every
    /// forward motion with the line on the patient is in the ledger), and a runaway's first
    /// steps, before the tolerance is crossed, are no longer missing from the ledger.
    public private(set) var uncommandedSteps: Int64 = 0

    public init(settings: ControllerSettings, startingAt now: ControlInstant) {
        encoderCountsPerStep = settings.mechanics.encoderCountsPerStep
        encoderFitted = settings.encoderFitted
        toleranceSteps = settings.encoderToleranceSteps
        tally = DoseLedger(startingAt: now)
    }

    /// What the monitor counts against: set when a program starts or a syringe is changed.
    public mutating func arm(caps: DoseCaps?, picogramsPerStep: Picograms) {
        self.caps = caps
        self.picogramsPerStep = picogramsPerStep
    }

    /// The monitor's own total of drug pushed by emitted steps.
    public var tallied: Picograms { tally.lifetimeTotal }

    /// Checks the driver and encoder against what was permitted so far (call once per tick,
    /// before ``review(steps:ledger:at:stepsPerTickLimit:)``).
    public mutating func observe(_ sensors: SensorSnapshot, at now: ControlInstant, stepsPerTickLimit: Int64) -> Verdict {
        tally.advance(to: now)
        if motorOrigin == nil {
            motorOrigin = sensors.motorSteps
            lastMotorSteps = sensors.motorSteps
            permittedSteps = 0
        }
        if encoderFitted, encoderOrigin == nil, let counts = sensors.encoderCounts { encoderOrigin = counts }
        let moved = sensors.motorSteps - lastMotorSteps
        if moved > 0 { tally.record(picogramsPerStep * moved, at: now) }
        lastMotorSteps = sensors.motorSteps
        let emitted = sensors.motorSteps - (motorOrigin ?? sensors.motorSteps)

        if emitted > permittedSteps { return .runaway }
        if permittedSteps - emitted > stepsPerTickLimit { return .stall }
        if encoderFitted {
            guard let counts = sensors.encoderCounts, let origin = encoderOrigin else { return .stall }
            let encoderSteps = Double(counts &- origin) / encoderCountsPerStep
            let difference = encoderSteps - Double(emitted)
            uncommandedSteps = max(uncommandedSteps, Int64(saturating: difference, rounding: .down))
            if difference > Double(toleranceSteps) { return .runaway }
            if difference < -Double(toleranceSteps) { return .stall }
        }
        return .permit
    }

    /// Reviews the steps the planner proposes for this tick against the monitor's own tally.
    public mutating func review(steps: Int64, ledger: DoseLedger, at now: ControlInstant) -> Verdict {
        if ledger.lifetimeTotal < tally.lifetimeTotal { return .ledgerBehind }
        if steps > 0 {
            guard let caps else { return .capReached }
            if !tally.permits(picogramsPerStep * steps, under: caps) { return .capReached }
        }
        permittedSteps += steps
        return .permit
    }

    /// Priming may move the plunger by at most `steps` in all, uncounted as drug: set by the
    /// `prime` command from the volume asked, so a planner that runs past it is caught here.
    public mutating func allowPriming(steps: Int64) { primingAllowance = steps }

    /// Reviews a priming tick's steps against the allowance, not the caps (no drug is counted).
    public mutating func reviewPriming(steps: Int64, ledger: DoseLedger) -> Verdict {
        if ledger.lifetimeTotal < tally.lifetimeTotal { return .ledgerBehind }
        guard steps >= 0, steps <= primingAllowance else { return .runaway }
        primingAllowance -= steps
        permittedSteps += steps
        return .permit
    }

    /// Starts the tally from a persisted ledger after a restart, so drug given before the restart
    /// still counts against the caps.
    public mutating func seed(from ledger: DoseLedger) { tally = ledger }

    /// Starts a new program's per-program count in the monitor's own tally.
    public mutating func beginProgram() { tally.beginProgram() }

    /// Starts a new patient's windows in the monitor's own tally (``DoseLedger/beginPatient()``).
    public mutating func beginPatient() { tally.beginPatient() }
}
