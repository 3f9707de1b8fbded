import InfusionCore
import PumpHardware

/// The motor controller inside the emulated NE-1000: it turns the pump's rate setting into steps
/// on the simulated drive train, counts what it dispensed, and notices a stall.
///
/// A real NE-1000 knows only its steps and the diameter it was told; it computes "volume
/// dispensed" from those and has no pressure sensor. So does this one: a wrong `DIA` gives a wrong
/// delivery exactly as it would on the bench, and an occlusion or an empty syringe shows only as
/// the motor stalling against the load.
struct NE1000Drive: Sendable {
    /// The force at which the stepper loses steps against the plunger. A model parameter (the
    /// manual gives no figure): about 150 N, the order of small syringe pumps' rated thrust.
    static let stallForceNewtons = 150.0
    /// Steps the encoder may fall behind before the controller calls it a stall; matches the host
    /// controller's own tolerance.
    static let stallToleranceSteps: Int64 = 64

    var pump: SimulatedPump
    private var planner = StepPlanner.idle
    /// Steps per mL from the diameter setting (not from the syringe actually loaded).
    private(set) var stepsPerMillilitre: Double = 1
    private(set) var direction = NE1000Direction.infuse
    /// Signed steps since the counters were last cleared, per direction.
    private(set) var infusedSteps: Int64 = 0
    private(set) var withdrawnSteps: Int64 = 0
    /// Everything infused since the pump was switched on, mL, whatever `CLD` cleared: the truth a
    /// ledger kept across host restarts is compared with.
    private(set) var infusedSinceStart = 0.0
    private var encoderOrigin: Int64 = 0
    private var motorOrigin: Int64 = 0
    private var lastAdvance: ControlInstant

    init(pump: SimulatedPump, startingAt start: ControlInstant) {
        self.pump = pump
        lastAdvance = start
    }

    var isMoving: Bool { !planner.reachedTarget }

    /// Starts the motor at `millilitresPerHour` in `direction`, for at most `steps` more steps.
    mutating func start(
        millilitresPerHour: Double, direction: NE1000Direction, diameter: Double, steps: Int64, at now: ControlInstant
    ) {
        stepsPerMillilitre = pump.mechanics.stepsPerMillilitre(forDiameter: diameter)
        self.direction = direction
        planner = StepPlanner(stepsPerMillilitre: stepsPerMillilitre)
        planner.setRate(MillilitresPerHour(millilitresPerHour), at: now)
        planner.limitTarget(toAdditional: steps)
        let sample = pump.sample(at: now)
        encoderOrigin = sample.encoderCounts ?? 0
        motorOrigin = sample.motorSteps
        lastAdvance = now
    }

    /// Changes the rate of a running motor (`RAT` while pumping).
    mutating func changeRate(millilitresPerHour: Double, at now: ControlInstant) {
        planner.setRate(MillilitresPerHour(millilitresPerHour), at: now)
    }

    mutating func stop(at now: ControlInstant) {
        planner = .idle
        lastAdvance = now
    }

    mutating func clear(_ direction: NE1000Direction) {
        if direction == .infuse { infusedSteps = 0 } else { withdrawnSteps = 0 }
    }

    func dispensed(_ direction: NE1000Direction) -> Double {
        Double(direction == .infuse ? infusedSteps : withdrawnSteps) / stepsPerMillilitre
    }

    enum Outcome { case running, reachedTarget, stalled }

    /// Runs the motor up to `now` in 1 ms steps, the pump's own control period.
    mutating func advance(to now: ControlInstant) -> Outcome {
        let period = ControlDuration.milliseconds(1)
        var outcome = Outcome.running
        while lastAdvance < now {
            let next = min(now, lastAdvance + period)
            let interval = next - lastAdvance
            var steps: Int64 = 0
            if !planner.reachedTarget {
                steps = planner.due(at: next, limit: Int64(pump.mechanics.maximumStepsPerSecond))
                planner.commit(steps)
                if direction == .infuse {
                    infusedSteps += steps
                    infusedSinceStart += Double(steps) / stepsPerMillilitre
                } else {
                    withdrawnSteps += steps
                }
            }
            let signed = direction == .infuse ? steps : -steps
            let actuation = Actuation(
                motorEnabled: true, steps: signed, rate: .zero, volumeLimit: .zero, indicator: .quiet, state: .running)
            pump.apply(actuation, at: lastAdvance, interval: interval)
            lastAdvance = next
            if steps > 0, hasStalled(at: next) {
                planner = .idle
                return .stalled
            }
            if planner.reachedTarget, steps > 0 { outcome = .reachedTarget }
        }
        return outcome
    }

    /// The encoder lags the steps (jammed screw, plunger at the barrel's end), or the load is more
    /// than the motor can push (occlusion).
    private func hasStalled(at now: ControlInstant) -> Bool {
        let sample = pump.sample(at: now)
        if sample.plungerForceNewtons > Self.stallForceNewtons { return true }
        let emitted = abs(sample.motorSteps - motorOrigin)
        let moved = abs(Double((sample.encoderCounts ?? 0) - encoderOrigin)) / pump.mechanics.encoderCountsPerStep
        return Double(emitted) - moved > Double(Self.stallToleranceSteps)
    }
}
