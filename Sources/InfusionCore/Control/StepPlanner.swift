/// Turns a programmed rate into motor steps exactly: the target is the integral of the rate, and
/// the steps emitted keep `|delivered − ideal| ≤ 1` at every tick (DESIGN.md section 3).
///
/// The integral is evaluated from the start of the current segment (the last rate change) in
/// integer nanoseconds, so a coarse tick emits the due steps as a burst and the count stays exact;
/// long runs do not accumulate floating-point drift.
public struct StepPlanner: Hashable, Sendable {
    public let stepsPerMillilitre: Double
    private var segmentStart = ControlInstant.origin
    private var segmentStartIdealSteps = 0.0
    private var stepsPerNanosecond = 0.0
    /// Forward steps commanded through this planner.
    public private(set) var deliveredSteps: Int64 = 0
    /// Steps this planner may deliver in all; ``due(at:limit:)`` never exceeds it.
    public private(set) var targetSteps: Int64 = .max

    public init(stepsPerMillilitre: Double) {
        self.stepsPerMillilitre = stepsPerMillilitre
    }

    /// A planner with nothing to deliver: its target is already reached.
    public static var idle: StepPlanner {
        var planner = StepPlanner(stepsPerMillilitre: 1)
        planner.targetSteps = 0
        return planner
    }

    /// The exact number of steps the rate asks for by `now` (fractional).
    public func idealSteps(at now: ControlInstant) -> Double {
        segmentStartIdealSteps + Double((now - segmentStart).nanoseconds) * stepsPerNanosecond
    }

    /// Starts a new segment at `rate`. A fraction of a step already owed is carried over; whole
    /// steps owed but never commanded (the tick that stopped delivery) are dropped, so a paused
    /// pump never owes a burst on resume.
    public mutating func setRate(_ rate: MillilitresPerHour, at now: ControlInstant) {
        let owed = idealSteps(at: now) - Double(deliveredSteps)
        segmentStartIdealSteps = Double(deliveredSteps) + min(max(owed, 0), 0.999_999)
        segmentStart = now
        stepsPerNanosecond = rate.value * stepsPerMillilitre / 3.6e12
    }

    /// Limits the total this planner delivers to `additional` more steps from now.
    public mutating func limitTarget(toAdditional additional: Int64) {
        targetSteps = deliveredSteps + max(additional, 0)
    }

    public var remainingSteps: Int64 { targetSteps == .max ? .max : targetSteps - deliveredSteps }
    public var reachedTarget: Bool { deliveredSteps >= targetSteps }

    /// Steps due now and not yet delivered, at most `limit` and never past the target.
    public func due(at now: ControlInstant, limit: Int64) -> Int64 {
        let ideal = idealSteps(at: now)
        guard ideal.isFinite, ideal >= 0 else { return 0 }
        let owed = Int64(saturating: ideal, rounding: .down) &- deliveredSteps
        return max(0, min(owed, limit, remainingSteps))
    }

    public mutating func commit(_ steps: Int64) {
        deliveredSteps += steps
    }
}
