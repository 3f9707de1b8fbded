import ControlProtocol
import Foundation
import Glibc
import InfusionTestSupport
import Testing

/// infusiond on `hardware.kind = "ne1000"`, driving pumpsim's emulated NE-1000 over a pty
/// through libserialport: the pump is the ground truth for what was pushed.
@Suite("End to end: infusiond on the NE-1000 path")
struct NE1000EndToEndTests {
    @Test("the daemon drives an NE-1000: it infuses at the programmed rate; after kill -9 the pump stops by its safe mode and the restart's ledger covers it")
    func ne1000InfusionKillAndRestart() throws {
        let pump = try PumpsimServer()
        let rig = try DaemonRig.infusing(on: pump)
        try rig.waitUntil("the pump infuses", within: 20) { try pump.prompt == "I" && pump.dispensedMillilitres > 0.002 }
        let running = try rig.status()
        #expect(running.state == "running")
        #expect(running.alarms.isEmpty, "\(running.alarms.map(\.id))")

        rig.stop(signal: SIGKILL)
        // The pump goes on until its 2 s safe-mode timeout, then stops by itself.
        try rig.waitUntil("the pump stops by its safe-mode timeout", within: 6) { try pump.prompt != "I" }
        let truthMl = try pump.dispensedMillilitres
        let concentration = try #require(running.program?.concentrationMgPerMl)

        try rig.start()
        let restored = try rig.status()
        #expect(restored.state == "stopped_by_alarm", "\(restored.state)")
        #expect(restored.alarms.map(\.id) == ["restarted_during_infusion"], "the pump's earlier count is not a mismatch")
        let ledger = try #require(restored.programLedgerMg)
        #expect(ledger >= truthMl * concentration, "ledger \(ledger) mg below the \(truthMl * concentration) mg the pump pushed")
        // The upper side: the write-ahead margin (safe mode 2 s + 1 s) and an interval, at 2.45 mL/h.
        let marginMg = 2.45 / 3_600 * (3 + 0.1) * concentration
        #expect(ledger <= truthMl * concentration + marginMg + 0.01, "ledger \(ledger) mg, pump \(truthMl * concentration) mg")
        #expect(try pump.prompt != "I", "the restart does not start the pump")
        #expect(rig.stop(signal: SIGTERM) == 0)
    }
}

extension NE1000EndToEndTests {
    /// DAEMON-020: the loop has its CPU to itself. The NE-1000 driver's thread once stayed on it,
    /// behind the SCHED_FIFO loop, and in the boot stage's guest a healthy pump's replies came
    /// after the 150 ms reply timeout (pump_link_lost mid-program).
    @Test("with the real-time set-up, the NE-1000 driver's thread keeps off the loop's CPU")
    func driverKeepsOffTheLoopCPU() throws {
        guard geteuid() == 0, ProcessInfo.processInfo.activeProcessorCount >= 2 else {
            print("driver CPU: skipped, needs root (SCHED_FIFO) and two CPUs")
            return
        }
        let pump = try PumpsimServer()
        let rig = try DaemonRig(hardware: "kind = \"ne1000\"\nport = \"\(pump.portName)\"\nsafe_mode_timeout = \"2 s\"", preload: PumpsimServer.modemShim)
        rig.realTime = true
        try rig.start()
        defer { _ = rig.stop(signal: SIGTERM) }
        let pid = try #require(rig.daemon?.processIdentifier)
        let allowed = Self.cpusAllowed(pid: pid)
        let loop = try #require(allowed["infusiond-loop"], "\(allowed)")
        let driver = try #require(allowed["ne1000-driver"], "\(allowed)")
        let loopCPUs = Self.cpus(loop)
        #expect(loopCPUs.count == 1, "the loop has one CPU: \(loop)")
        #expect(!loopCPUs.isEmpty && Set(Self.cpus(driver)).isDisjoint(with: loopCPUs), "driver on \(driver), loop on \(loop)")
    }

    /// Each thread's name and its `Cpus_allowed_list`.
    static func cpusAllowed(pid: Int32) -> [String: String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var found: [String: String] = [:]
        for task in tasks {
            guard let name = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8),
                let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
            else { continue }
            found[name.trimmingCharacters(in: .whitespacesAndNewlines)] = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        }
        return found
    }

    /// "0-2,5" as [0, 1, 2, 5].
    static func cpus(_ list: String) -> [Int] {
        list.split(separator: ",").flatMap { range -> [Int] in
            let ends = range.split(separator: "-").compactMap { Int($0) }
            return ends.count == 2 ? Array(ends[0]...ends[1]) : ends
        }
    }
}

extension DaemonRig {
    /// infusiond on `pump` (safe mode 2 s), started, with the 4-hour ketamine program running.
    static func infusing(on pump: PumpsimServer, library: String? = nil) throws -> DaemonRig {
        let hardware = "kind = \"ne1000\"\nport = \"\(pump.portName)\"\nsafe_mode_timeout = \"2 s\""
        let rig = try DaemonRig(hardware: hardware, preload: PumpsimServer.modemShim, library: library)
        try rig.start()
        try rig.program(duration: "4 h")
        let started = rig.ctl("start")
        guard started.status == 0 else { throw RigError("start failed (\(started.status)): \(started.error)") }
        return rig
    }
}
