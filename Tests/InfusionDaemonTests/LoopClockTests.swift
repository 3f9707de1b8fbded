import InfusionCore
import InfusionDaemon
import PropertyBased
import Testing

/// Control time across restarts (DESIGN.md rule 9).
@Suite("Loop clock")
struct LoopClockTests {
    @Test("control time resumes after the persisted value, whatever the monotonic clock says after a reboot")
    func controlTimeNeverGoesBack() {
        let before = LoopClock(persisted: 0, monotonicNow: 500_000_000_000)
        let lastBeforeCrash = before.control(atMonotonic: 500_000_000_000 + 3_600_000_000_000)
        // After a reboot CLOCK_MONOTONIC starts again near zero.
        let after = LoopClock(persisted: lastBeforeCrash.nanoseconds, monotonicNow: 2_000_000_000)
        #expect(after.control(atMonotonic: 2_000_000_000) > lastBeforeCrash)
        #expect(after.control(atMonotonic: 1_000_000_000) == after.control(atMonotonic: 2_000_000_000), "an earlier reading never goes back")
    }

    @Test("scaled time and the deadline for it agree, so the loop sleeps to the right instant")
    func scaleAndDeadlineAgree() async {
        await propertyCheck(count: 200, input: Gen.int(in: 1...600), Gen.int(in: 0...1_000_000_000)) { scale, offset in
            let clock = LoopClock(persisted: 7_000_000_000, monotonicNow: 100, scale: Double(scale))
            let target = clock.control(atMonotonic: 100 + Int64(offset))
            let wake = clock.monotonic(atControl: target)
            #expect(wake <= 100 + Int64(offset) + 1, "woke at \(wake) for a time reached at \(100 + offset)")
            #expect(clock.control(atMonotonic: wake) >= target)
            #expect(clock.period == ControlDuration(nanoseconds: Int64(1_000_000 * scale)))
        }
    }
}
