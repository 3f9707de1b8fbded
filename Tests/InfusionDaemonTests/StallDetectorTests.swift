import InfusionCore
import InfusionDaemon
import Testing

/// The supervisor's stall rule, in virtual time (DESIGN.md rule 3: loop overrun).
@Suite("Loop supervisor")
struct StallDetectorTests {
    @Test("a beat that stops for more than 50 ms is a stall, dated from the last beat; a beat again is healthy")
    func stallAfterFiftyMilliseconds() {
        let start = ControlInstant(nanoseconds: 0)
        var detector = StallDetector(at: start)
        var beats: Int64 = 0
        var now = start
        // 200 healthy periods, checked every 10 ms as the supervisor does.
        for millisecond in 1...200 {
            now = start + .milliseconds(Int64(millisecond))
            beats += 1
            if millisecond % 10 == 0 { #expect(detector.observe(beats: beats, at: now) == .healthy) }
        }
        let lastBeat = now
        var verdicts: [StallDetector.Verdict] = []
        for check in 1...8 {
            verdicts.append(detector.observe(beats: beats, at: lastBeat + .milliseconds(Int64(check * 10))))
        }
        #expect(verdicts.prefix(5).allSatisfy { $0 == .healthy }, "stalled within 50 ms: \(verdicts)")
        #expect(verdicts[5] == .stalled(since: lastBeat), "60 ms without a beat: \(verdicts[5])")
        #expect(detector.observe(beats: beats + 1, at: lastBeat + .milliseconds(90)) == .healthy)
    }

    @Test("the heartbeat counts beats and carries the overrun flag to the loop")
    func heartbeatCarriesTheFlag() {
        let heartbeat = LoopHeartbeat()
        for _ in 0..<5 { heartbeat.beat() }
        #expect(heartbeat.count == 5)
        #expect(!heartbeat.hasOverran)
        heartbeat.markOverran()
        #expect(heartbeat.hasOverran)
    }
}
