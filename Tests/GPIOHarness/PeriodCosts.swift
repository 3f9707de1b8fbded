/// How long each period's work (sample, tick, apply) took, in whole microseconds, kept in fixed
/// buckets so recording allocates nothing. Under TCG these are the emulator's figures, not the
/// board's: they are reported, never checked.
struct PeriodCosts {
    private var buckets = [Int64](repeating: 0, count: 20_001)
    private(set) var count: Int64 = 0

    mutating func record(nanoseconds: Int64) {
        buckets[Int(min(max(nanoseconds / 1_000, 0), Int64(buckets.count - 1)))] += 1
        count += 1
    }

    /// The bucket holding the given fraction of periods (the last bucket means "that or more").
    func percentile(_ fraction: Double) -> Int64 {
        guard count > 0 else { return 0 }
        let wanted = Int64((Double(count) * fraction).rounded(.up))
        var seen: Int64 = 0
        for (microseconds, number) in buckets.enumerated() {
            seen += number
            if seen >= wanted { return Int64(microseconds) }
        }
        return Int64(buckets.count - 1)
    }
}
