import PumpHardware

/// Turns the tick's step count into STEP pulses, with DIR set first, at the driver's timing.
///
/// Called in the loop after the tick, so a step is emitted in the control period it was planned
/// for. At 1 000 steps/s and a 1 ms period that is one or two pulses, 10 µs each by default.
public struct StepPulseGenerator: Sendable {
    public let timing: StepperTiming
    /// The DIR level last written; nil until the first move, so the first one always sets it.
    private var forward: Bool?
    /// Signed count of rising edges emitted: the driver steps on each.
    public private(set) var emitted: Int64 = 0

    public init(timing: StepperTiming) {
        self.timing = timing
    }

    public mutating func emit<Lines: GPIOLines>(_ steps: Int64, on lines: inout Lines) throws(GPIOLineError) {
        guard steps != 0 else { return }
        let wantForward = steps > 0
        if forward != wantForward {
            // DIR asserted is forward (infuse). It must be stable before the next rising edge.
            forward = nil
            try lines.set(.direction, wantForward)
            forward = wantForward
            lines.hold(nanoseconds: timing.directionSetupNanoseconds)
        }
        let sign: Int64 = wantForward ? 1 : -1
        for _ in 0..<steps.magnitude {
            try lines.set(.step, true)
            // The driver stepped on the rising edge, whatever happens to the falling one.
            emitted += sign
            lines.hold(nanoseconds: timing.highNanoseconds)
            try lines.set(.step, false)
            lines.hold(nanoseconds: timing.lowNanoseconds)
        }
    }
}
