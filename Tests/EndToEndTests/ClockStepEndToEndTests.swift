import ControlProtocol
import Foundation
import Glibc
import Testing

/// The wall clock stepped under a running infusion, as NTP or a technician setting the date does:
/// an hour back, then a day forward. `WallClockShim` (test-only, preloaded) steps the daemon's
/// CLOCK_REALTIME only, leaving CLOCK_MONOTONIC, which control time follows (DESIGN.md rule 9),
/// and every sleep untouched. The caps' rolling windows and the time remaining must not notice; the
/// event log's wall times must, which shows the step really reached the daemon.
@Suite("End to end: the wall clock stepped during an infusion")
struct ClockStepEndToEndTests {
    @Test("an hour back and a day forward on the wall clock: the rolling windows and the time remaining follow control time alone")
    func wallClockSteps() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("infusiond-clock-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let offset = directory + "/wall-clock-offset"
        try "0".write(toFile: offset, atomically: true, encoding: .utf8)
        let shim = DaemonRig.buildDirectory.appendingPathComponent("libWallClockShim.so").path
        let rig = try DaemonRig(scale: 60, preload: shim, environment: ["INFUSIOND_WALL_CLOCK_OFFSET": offset])
        try rig.start()
        try rig.program(duration: "4 h")
        #expect(rig.ctl("start").status == 0)
        try rig.waitUntil("delivery under way", within: 20) { try rig.status().deliveredMl > 0.01 }
        var previous = try rig.status()
        try Self.expectWindowsHoldTheLedger(previous, after: "the start")

        for (step, seconds) in [("an hour back", -3_600), ("a day forward", 86_400)] {
            try String(seconds).write(toFile: offset, atomically: true, encoding: .utf8)
            // Two control minutes with the step in them (two wall seconds at 60×).
            let stepped = try #require(previous.controlTimeS)
            try rig.waitUntil("two control minutes after the step", within: 20) { try rig.status().controlTimeS ?? 0 > stepped + 120 }
            let now = try rig.status()
            try Self.expectWindowsHoldTheLedger(now, after: step)
            #expect((now.lastHourMg ?? 0) > (previous.lastHourMg ?? .infinity), "after \(step) the hour's window went back")
            let controlAdvance = try #require(now.controlTimeS) - #require(previous.controlTimeS)
            let remainingFell = try #require(previous.timeRemainingS) - #require(now.timeRemainingS)
            #expect(controlAdvance > 120 && controlAdvance < 600, "after \(step): control time moved \(controlAdvance) s")
            #expect(abs(remainingFell - controlAdvance) < 1, "after \(step): time remaining fell \(remainingFell) s in \(controlAdvance) s")
            #expect(now.state == "running" && now.alarms.isEmpty, "after \(step): \(now.state) \(now.alarms)")
            previous = now
        }

        // The log's wall times did step: an event written now is stamped a day ahead.
        #expect(rig.ctl("pause").status == 0 && rig.ctl("resume").status == 0)
        let tomorrow = Date().addingTimeInterval(86_400).ISO8601Format().prefix(10)
        let history = rig.ctl("history", "--limit", "3").output
        #expect(history.contains(tomorrow), "the wall clock was not stepped: \(history)")
        let verify = rig.ctl("history", "--verify")
        #expect(verify.status == 0, "\(verify.output) \(verify.error)")
        #expect(rig.stop() == 0)
    }

    /// Within the first hour of control time every window holds the whole ledger: a window read
    /// on the wall clock would have lost it all a day forward.
    static func expectWindowsHoldTheLedger(_ status: StatusReport, after moment: String) throws {
        let ledger = try #require(status.ledgerMg)
        #expect(ledger > 0)
        for (name, window) in [("hour", status.lastHourMg), ("4 h", status.lastFourHoursMg), ("day", status.lastDayMg)] {
            #expect(abs(try #require(window) - ledger) < 1e-6, "after \(moment): the \(name)'s window \(window ?? 0) mg, the ledger \(ledger) mg")
        }
    }
}
