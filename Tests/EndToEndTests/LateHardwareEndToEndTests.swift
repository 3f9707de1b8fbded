import Foundation
import Glibc
import InfusionTestSupport
import Testing

/// Hardware not there at start (issue 16): every start failure once exited 78, which the unit
/// never restarts, so a USB serial adapter that enumerated a second late left the pump controller
/// down for good. The start now waits `hardware.appear_within`, then exits 75 for systemd to retry.
@Suite("End to end: hardware that appears late")
struct LateHardwareEndToEndTests {
    @Test("an NE-1000 whose serial port appears 3 s after the start: the daemon waits, says what for, and comes up")
    func lateAdapterIsWaitedFor() throws {
        let pump = try PumpsimServer()
        let late = pump.directory + "/late-adapter"
        let hardware = "kind = \"ne1000\"\nport = \"/dev/../../..\(late)\"\nsafe_mode_timeout = \"2 s\"\nappear_within = \"20 s\""
        let rig = try DaemonRig(hardware: hardware, preload: PumpsimServer.modemShim)
        // The adapter enumerating: the scenario's own 3 s, not a wait for anything.
        let adapter = Thread {
            usleep(3_000_000)
            symlink(pump.link, late)
        }
        adapter.start()
        try rig.start()
        try rig.program(duration: "1 h")
        #expect(rig.ctl("start").status == 0)
        #expect(try rig.status().state == "running")
        #expect(rig.stop() == 0)
        let log = String(decoding: rig.daemonOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("waiting up to") && log.contains(late), "\(log)")
        #expect(log.contains("hardware appeared after"), "\(log)")
    }

    @Test("a port that never appears: exit 75 (not 78, so systemd tries again) after appear_within, naming the port")
    func missingAdapterIsNotReady() throws {
        let port = "/dev/ttyUSB-never-\(UUID().uuidString.prefix(6))"
        let rig = try DaemonRig(hardware: "kind = \"ne1000\"\nport = \"\(port)\"\nappear_within = \"1 s\"")
        try rig.initialiseJournal()
        let outcome = try DaemonRig.run("infusiond", ["--config", rig.directory + "/infusiond.toml", "--no-real-time"])
        #expect(outcome.status == 75, "exit \(outcome.status): \(outcome.said)")
        #expect(outcome.said.contains(port) && outcome.said.contains("systemd will try again"), "\(outcome.said)")
        let check = try DaemonRig.run("infusiond", ["--check-config", rig.directory + "/infusiond.toml"])
        #expect(check.status == 75, "--check-config exit \(check.status): \(check.said)")
    }
}
