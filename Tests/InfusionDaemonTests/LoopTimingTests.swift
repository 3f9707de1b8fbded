import InfusionDaemon
import Testing

@Suite("Loop timing")
struct LoopTimingTests {
    @Test("lateness percentiles come from the 1 µs buckets; the overflow keeps the exact maximum")
    func percentilesFromBuckets() {
        let timing = LoopTiming()
        for _ in 0..<980 { timing.record(lateness: 12_300, work: 5_000) }  // 12.3 µs: bucket 12, reported as 13
        for _ in 0..<19 { timing.record(lateness: 400_000, work: 5_000) }
        timing.record(lateness: 51_000_000, work: 70_000)  // 51 ms, past the last bucket
        #expect(timing.periods == 1_000)
        #expect(timing.latenessPercentile(0.5) == 13)
        #expect(timing.latenessPercentile(0.99) == 401)
        #expect(timing.latenessPercentile(1) == 51_000)
        #expect(timing.maximumLateness == 51_000_000)
        #expect(timing.minimumLateness == 12_300)
        #expect(timing.longestWork == 70_000)
        #expect(timing.summary.contains("median 13 µs") && timing.summary.contains("max 51000 µs"))
    }

    @Test("an early wake-up counts as on time, not as negative lateness")
    func earlyIsZero() {
        let timing = LoopTiming()
        timing.record(lateness: -3_000, work: 1_000)
        #expect(timing.minimumLateness == 0)
        #expect(timing.latenessPercentile(0.5) == 1)
    }
}
