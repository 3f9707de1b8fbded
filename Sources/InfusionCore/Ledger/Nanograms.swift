/// An exact amount of drug, in nanograms, for the dose ledger's integer arithmetic.
///
/// Floating-point sums drift; the ledger must never under-count (DESIGN.md rule 5), so every
/// amount entering it is rounded up to a whole nanogram and every cap is rounded down.
public struct Nanograms: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var value: Int64

    public init(_ value: Int64) { self.value = value }

    public static var zero: Nanograms { Nanograms(0) }

    /// The smallest whole number of nanograms not less than `amount`: for delivered drug.
    public init(roundingUp amount: Milligrams) {
        value = Int64((amount.value * 1_000_000).rounded(.up))
    }

    /// The largest whole number of nanograms not more than `amount`: for caps.
    public init(roundingDown amount: Milligrams) {
        value = Int64((amount.value * 1_000_000).rounded(.down))
    }

    public var milligrams: Milligrams { Milligrams(Double(value) / 1_000_000) }

    public static func < (lhs: Nanograms, rhs: Nanograms) -> Bool { lhs.value < rhs.value }
    public static func + (lhs: Nanograms, rhs: Nanograms) -> Nanograms { Nanograms(lhs.value &+ rhs.value) }
    public static func - (lhs: Nanograms, rhs: Nanograms) -> Nanograms { Nanograms(lhs.value &- rhs.value) }
    public static func * (lhs: Nanograms, rhs: Int64) -> Nanograms { Nanograms(lhs.value &* rhs) }

    public var description: String { milligrams.description }
}
