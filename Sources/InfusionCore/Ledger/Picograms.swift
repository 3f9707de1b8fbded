/// An exact amount of drug, in picograms, for the dose ledger's integer arithmetic.
///
/// Floating-point sums drift; the ledger must never under-count (DESIGN.md rule 5), so every
/// amount entering it is rounded up to a whole picogram and every cap is rounded down. A step of
/// ketamine weighs about 0.1–3.5 µg, so rounding adds at most one part in 10⁵ per step; `Int64`
/// picograms still hold 9 kg.
public struct Picograms: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var value: Int64

    public init(_ value: Int64) { self.value = value }

    public static var zero: Picograms { Picograms(0) }

    /// The smallest whole number of picograms not less than `amount`: for delivered drug.
    /// Saturates beyond ±9.2 kg (``Int64/init(saturating:rounding:)``); the library refuses caps
    /// that large (LIB-003), so only a corrupt input can reach it.
    public init(roundingUp amount: Milligrams) {
        value = Int64(saturating: amount.value * 1_000_000_000, rounding: .up)
    }

    /// The largest whole number of picograms not more than `amount`: for caps.
    public init(roundingDown amount: Milligrams) {
        value = Int64(saturating: amount.value * 1_000_000_000, rounding: .down)
    }

    public var milligrams: Milligrams { Milligrams(Double(value) / 1_000_000_000) }

    public static func < (lhs: Picograms, rhs: Picograms) -> Bool { lhs.value < rhs.value }
    // Saturating, never wrapping: a wrapped total reads as a negative amount, and a negative
    // amount as room under every cap. Only a corrupt input comes near the limits.
    @inlinable public static func + (lhs: Picograms, rhs: Picograms) -> Picograms {
        let (sum, overflow) = lhs.value.addingReportingOverflow(rhs.value)
        return Picograms(overflow ? (rhs.value > 0 ? .max : .min) : sum)
    }
    @inlinable public static func - (lhs: Picograms, rhs: Picograms) -> Picograms {
        let (difference, overflow) = lhs.value.subtractingReportingOverflow(rhs.value)
        return Picograms(overflow ? (rhs.value < 0 ? .max : .min) : difference)
    }
    @inlinable public static func * (lhs: Picograms, rhs: Int64) -> Picograms {
        let (product, overflow) = lhs.value.multipliedReportingOverflow(by: rhs)
        return Picograms(overflow ? ((lhs.value < 0) == (rhs < 0) ? .max : .min) : product)
    }

    public var description: String { milligrams.description }
}
