/// How late the loop wakes, and how long its work takes, kept by the loop thread alone in fixed
/// storage (no allocation, no atomics: it is read only after the loop has finished, which the
/// gauges' `finished` flag publishes). infusiond logs the summary at exit; `scripts/bench-loop`
/// compares it with cyclictest's.
///
/// Lateness is counted in 1 µs buckets up to 10 ms, the rest in one overflow bucket with the
/// maximum kept exactly: the percentiles that matter (median, p99) fall far inside.
public final class LoopTiming: @unchecked Sendable {
    static let buckets = 10_000
    private let counts: UnsafeMutablePointer<Int64>
    public private(set) var periods: Int64 = 0
    public private(set) var minimumLateness: Int64 = .max
    public private(set) var maximumLateness: Int64 = 0
    /// The longest a period's own work took (sample, tick, apply, publish) when it served no
    /// request, and when it did (a command or the journal's progress request, which allocate).
    public private(set) var longestWork: Int64 = 0
    public private(set) var longestWorkServing: Int64 = 0

    public init() {
        counts = .allocate(capacity: Self.buckets + 1)
        counts.initialize(repeating: 0, count: Self.buckets + 1)
    }

    deinit { counts.deallocate() }

    /// One period: woke `lateness` ns after its deadline, then worked for `work` ns.
    public func record(lateness: Int64, work: Int64, servedRequests: Bool = false) {
        let late = max(0, lateness)
        counts[min(Int(late / 1_000), Self.buckets)] += 1
        periods += 1
        if late < minimumLateness { minimumLateness = late }
        if late > maximumLateness { maximumLateness = late }
        if servedRequests {
            if work > longestWorkServing { longestWorkServing = work }
        } else if work > longestWork {
            longestWork = work
        }
    }

    /// The lateness (µs, the bucket's upper edge) below which `fraction` of the periods woke.
    public func latenessPercentile(_ fraction: Double) -> Int64 {
        guard periods > 0 else { return 0 }
        let rank = Int64((Double(periods) * fraction).rounded(.up))
        var seen: Int64 = 0
        for bucket in 0...Self.buckets {
            seen += counts[bucket]
            if seen >= rank { return bucket == Self.buckets ? maximumLateness / 1_000 : Int64(bucket + 1) }
        }
        return maximumLateness / 1_000
    }

    /// "loop timing over N periods: lateness min …, median …, p99 …, max … µs; longest period work … µs"
    public var summary: String {
        guard periods > 0 else { return "loop timing: no periods" }
        return "loop timing over \(periods) periods: lateness min \(minimumLateness / 1_000) µs, median \(latenessPercentile(0.5)) µs, "
            + "p99 \(latenessPercentile(0.99)) µs, p99.9 \(latenessPercentile(0.999)) µs, max \(maximumLateness / 1_000) µs; "
            + "longest period's work \(longestWork / 1_000) µs, \(longestWorkServing / 1_000) µs serving requests"
    }
}
