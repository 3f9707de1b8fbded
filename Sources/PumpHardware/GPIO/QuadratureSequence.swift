/// The quadrature sequence, forward being A leading B: (A,B) goes 00 → 10 → 11 → 01 → 00.
/// The decoder counts by it and the simulated encoder drives it, so both share one definition.
public enum QuadratureSequence {
    /// The levels (A, B) `count` edges forward of (0, 0).
    public static func levels(at count: Int64) -> (a: Bool, b: Bool) {
        switch ((count % 4) + 4) % 4 {
        case 0: (false, false)
        case 1: (true, false)
        case 2: (true, true)
        default: (false, true)
        }
    }
}
