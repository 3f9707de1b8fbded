import ControlProtocol
import Foundation
import Glibc
import InfusionCore
import InfusionTestSupport
import SerialPump
import Testing

/// Issue 6's crash torture on the NE-1000 path: infusiond killed with SIGKILL at random instants
/// of an infusion, pumpsim the ground truth. CI runs 8 kills; `make soak` runs 100
/// (`INFUSIOND_TORTURE_KILLS`). The seed is printed; `INFUSIOND_TORTURE_SEED` replays it.
@Suite("Torture: kill -9 on the NE-1000 path")
struct NE1000CrashTortureTests {
    @Test("after every kill the pump stops by its safe mode, the restart comes up stopped with the alarm, and the ledger and the caps' windows cover the pump's true delivery within the write-ahead margin")
    func ne1000CrashTorture() throws {
        let environment = ProcessInfo.processInfo.environment
        let kills = environment["INFUSIOND_TORTURE_KILLS"].flatMap(Int.init) ?? 8
        let seed = environment["INFUSIOND_TORTURE_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print("ne1000CrashTorture: \(kills) kills, seed \(seed) (INFUSIOND_TORTURE_SEED replays it)")
        var random = SplitMix64(seed: seed)

        let pump = try PumpsimServer()
        let rig = try DaemonRig.infusing(on: pump)
        let concentration = 10.0
        let rate = 2.45  // mL/h: 0.35 mg/kg/h × 70 kg at 10 mg/mL
        // What the ledger may hold beyond the pump's truth after one crash: the write-ahead margin
        // (the safe-mode timeout plus a second, and one commitment interval, of flow), plus the
        // pump's lag behind the loop's count: the loop counts from `resume`, the pump runs from
        // its `RUN`, seven round trips later. The lag is bounded by the cross-check's command
        // latency allowance and one poll (the 100-kill soak measured 0.51 s at worst).
        let latency = DeliveryCrossCheck.latencyAllowance.seconds.value + SerialPumpSettings().pollInterval.seconds.value
        let marginPerKill = rate / 3_600 * (2 + 1 + 0.1 + latency) * concentration
        var previousSurplus = 0.0
        var worstSurplus = 0.0
        var worstShortfall = Double.infinity

        for kill in 1...kills {
            try rig.waitUntil("kill \(kill): the pump infuses", within: 20) { try pump.prompt == "I" }
            usleep(UInt32(300_000 + random.next() % 2_200_000))  // 0.3–2.5 s into the run
            rig.stop(signal: SIGKILL)
            try rig.waitUntil("kill \(kill): the pump stops by its safe-mode timeout", within: 6) { try pump.prompt != "I" }
            let truth = try pump.infusedSinceStartMillilitres * concentration

            try rig.start()
            let restored = try rig.status()
            #expect(restored.state == "stopped_by_alarm", "kill \(kill): \(restored.state)")
            #expect(restored.alarms.map(\.id) == ["restarted_during_infusion"], "kill \(kill): \(restored.alarms.map(\.id))")
            let ledger = try #require(restored.ledgerMg)
            let surplus = ledger - truth
            #expect(surplus >= 0, "kill \(kill): ledger \(ledger) mg below the pump's \(truth) mg")
            #expect(surplus - previousSurplus <= marginPerKill + 1e-6, "kill \(kill): the ledger ran \(surplus - previousSurplus) mg ahead in one crash")
            // The caps hold across the restarts: the windows they are checked against, and the
            // program's total, were restored holding all the pump truly pushed (the whole run is
            // inside the last hour of control time, so every window holds all of it).
            let windows = [("1 h", restored.lastHourMg), ("4 h", restored.lastFourHoursMg), ("24 h", restored.lastDayMg), ("program", restored.programLedgerMg)]
            for (name, window) in windows {
                #expect((window ?? 0) >= truth - 1e-9, "kill \(kill): the \(name) total \(window ?? 0) mg after the restart is below the pump's \(truth) mg")
            }
            worstSurplus = max(worstSurplus, surplus - previousSurplus)
            worstShortfall = min(worstShortfall, surplus)
            previousSurplus = surplus
            #expect(try pump.prompt != "I", "kill \(kill): the restart started the pump")

            // The technician carries on: acknowledge, reset, resume.
            for command in ["ack", "reset", "resume"] {
                let outcome = rig.ctl(command)
                if outcome.status != 0 {
                    let now = try? rig.status()
                    Issue.record("kill \(kill): \(command) exited \(outcome.status): \(outcome.error) \(outcome.output); state \(now?.state ?? "?"), alarms \(now?.alarms.map(\.id) ?? [])")
                }
            }
        }
        print(
            "ne1000CrashTorture: \(kills) kills; the ledger ran ahead of the pump by at most \(worstSurplus) mg in one crash (margin \(marginPerKill) mg); lowest cumulative surplus \(worstShortfall) mg")
        #expect(rig.stop(signal: SIGTERM) == 0)
    }
}

/// A small seeded generator, so a failing run can be replayed exactly.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

