/// A quadrature encoder on a stepper's shaft, as the steps turn it: the edges a real encoder
/// would give for each microstep. Test rigs use it to answer STEP pulses the way the reference
/// board's motor does (1 000 lines, 4 000 counts per 3 200 microsteps: 5 counts per 4 steps).
/// Integer arithmetic, so no count is lost to rounding over a long run.
public struct SteppedEncoder: Hashable, Sendable {
    public let countsPerStepNumerator: Int
    public let countsPerStepDenominator: Int
    /// The position in ``QuadratureSequence`` the lines show.
    public private(set) var count: Int64
    /// Counts owed to the steps so far, in units of 1 / denominator.
    private var owed = 0

    public init(countsPerStepNumerator: Int = 5, countsPerStepDenominator: Int = 4, startingAt count: Int64 = 0) {
        self.countsPerStepNumerator = countsPerStepNumerator
        self.countsPerStepDenominator = countsPerStepDenominator
        self.count = count
    }

    /// One microstep; `edge` is called for each channel change, in order: channel A or B and its new level.
    public mutating func step(forward: Bool, _ edge: (_ channelA: Bool, _ level: Bool) -> Void) {
        owed += forward ? countsPerStepNumerator : -countsPerStepNumerator
        while abs(owed) >= countsPerStepDenominator {
            let before = QuadratureSequence.levels(at: count)
            count += owed > 0 ? 1 : -1
            owed -= owed > 0 ? countsPerStepDenominator : -countsPerStepDenominator
            let after = QuadratureSequence.levels(at: count)
            if before.a != after.a { edge(true, after.a) }
            if before.b != after.b { edge(false, after.b) }
        }
    }
}
