import PumpHardware

/// Counts a quadrature encoder from its edges, one count per edge (×4 decoding).
///
/// Forward is A leading B (``QuadratureSequence``): (A,B) goes 00 → 10 → 11 → 01 → 00. An edge that reports the level its
/// channel already had means an edge was lost between the two; it is counted as a miss, not
/// guessed, and the safety monitor's tolerance absorbs the count it costs.
public struct QuadratureDecoder: Hashable, Sendable {
    public private(set) var count: Int64 = 0
    public private(set) var missedEdges: Int64 = 0
    private var a: Bool
    private var b: Bool

    public init(a: Bool, b: Bool) {
        self.a = a
        self.b = b
    }

    public mutating func edge(channelA: Bool, level: Bool) {
        if channelA {
            guard level != a else { missedEdges += 1; return }
            a = level
            count += a != b ? 1 : -1
        } else {
            guard level != b else { missedEdges += 1; return }
            b = level
            count += b == a ? 1 : -1
        }
    }
}
