extension Int64 {
    /// `value` rounded as asked and clamped to the representable range; NaN becomes 0.
    ///
    /// Every conversion from a quantity to a count (steps, picograms, nanoseconds) goes through
    /// here. `Int64(_:)` traps on a value out of range, and such values are reachable from a file
    /// or a command (a 10¹² h duration, a 10¹² mg/kg cap): a trap in the loop thread kills the
    /// daemon mid-infusion (issue 14, finding 6). Saturating keeps every later comparison on the
    /// safe side: a limit too large to count is as good as none, and is refused where it is read.
    ///
    /// Inlined, so each call site's rounding rule is a constant: the tick calls it several times a
    /// period (profiled: 16 % of a simulation's time when it was an opaque call).
    @inlinable @inline(__always)
    public init(saturating value: Double, rounding rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) {
        guard !value.isNaN else {
            self = 0
            return
        }
        let rounded = value.rounded(rule)
        // 2^63 is exactly representable; anything at or above it does not fit.
        if rounded >= 9_223_372_036_854_775_808.0 {
            self = .max
        } else if rounded < -9_223_372_036_854_775_808.0 {
            self = .min
        } else {
            self = Int64(rounded)
        }
    }
}
