import Foundation
import PumpHardware

/// The shipped `infusiond` (`hardware.kind = "gpio"`) on the simulated board, not the harness's
/// loop (issue 16). gpio-sim cannot answer the HX711's 1 µs clock — a line's pull is written
/// through sysfs, far slower than a read-out — so no force reading can reach the daemon here, and
/// a pump without one must deliver nothing: that refusal is itself checked. What needs delivery
/// (EN following it, pulses as commanded, a switch stopping it in the period) is checked on the
/// same backend through the harness, whose modelled HX711 stands in for the amplifier.
struct DaemonOnTheBoard {
    let board: Board
    let daemon: String
    let ctl: String
    let directory = "/tmp/infusiond"

    var configuration: String { "\(directory)/infusiond.toml" }
    var socket: String { "\(directory)/control.sock" }

    /// Writes a configuration for the board's pin map (`pinMap`), waiting at most 1 s for a chip,
    /// so a refusal for a missing one comes within the check's time.
    func writeConfiguration(pinMap: String, to path: String) throws {
        let rig = FileManager.default.currentDirectoryPath
        try """
            [hardware]
            kind = "gpio"
            pin_map = "\(pinMap)"
            appear_within = "1 s"
            [paths]
            drug_library = "\(rig)/drug-library.toml"
            syringes = "\(rig)/syringes.toml"
            journal = "\(directory)/journal.sqlite"
            [socket]
            path = "\(socket)"
            group = "infusion"

            """.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Runs `executable arguments` to its end; answers its exit status, standard output and error.
    func run(_ executable: String, _ arguments: [String], within seconds: Double = 30) throws -> (status: Int32, output: String, errors: String) {
        let process = try HarnessProcess(executable: executable, arguments: arguments)
        do {
            try process.waitForExit(within: seconds)
        } catch {
            process.kill()
            throw CheckFailure("\(executable) \(arguments.joined(separator: " ")): \(error)")
        }
        return (process.exitStatus ?? -1, process.output, process.log.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func ctl(_ arguments: String...) throws -> (status: Int32, output: String, errors: String) {
        try run(ctl, ["--socket", socket] + arguments)
    }

    /// `status --json`'s state and the IDs of its active alarms.
    func status() throws -> (state: String, alarms: [String]) {
        let answer = try ctl("--json", "status")
        guard answer.status == 0,
            let response = try? JSONSerialization.jsonObject(with: Data(answer.output.utf8)) as? [String: Any],
            let result = response["result"] as? [String: Any]
        else { throw CheckFailure("status exited \(answer.status): \(answer.output)\(answer.errors)") }
        let alarms = (result["alarms"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        return (result["state"] as? String ?? "?", alarms)
    }

    /// Starts the daemon and waits until its socket answers.
    func launch(_ what: String) throws -> HarnessProcess {
        let process = try HarnessProcess(executable: daemon, arguments: ["--config", configuration])
        do {
            try waitUntil("\(what): infusiond answering on its socket", within: 60) {
                if let status = process.exitStatus { throw CheckFailure("infusiond exited \(status): \(process.log)") }
                return (try? self.status()) != nil
            }
        } catch {
            process.kill()
            throw error
        }
        return process
    }

    /// Which of the pin map's lines the kernel says are taken, and by whom, from gpiolib's own
    /// table (debugfs `gpio`: one line per requested line, "gpio-N (name|consumer) in|out hi|lo"),
    /// not from what the lines happen to read.
    func kernelHolders() throws -> [PinFunction: (consumer: String, output: Bool)] {
        let base = try KernelTrace.base(of: board)
        let text = try String(contentsOfFile: "/sys/kernel/debug/gpio", encoding: .utf8)
        var byNumber: [Int: (consumer: String, output: Bool)] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("gpio-"), let open = trimmed.firstIndex(of: "("), let close = trimmed.firstIndex(of: ")"),
                let number = Int(trimmed[trimmed.index(trimmed.startIndex, offsetBy: 5)..<open].trimmingCharacters(in: .whitespaces))
            else { continue }
            let names = trimmed[trimmed.index(after: open)..<close].split(separator: "|", omittingEmptySubsequences: false)
            let consumer = names.count == 2 ? names[1].trimmingCharacters(in: .whitespaces) : ""
            let rest = trimmed[trimmed.index(after: close)...].split(separator: " ")
            byNumber[number] = (consumer, rest.first == "out")
        }
        var holders: [PinFunction: (consumer: String, output: Bool)] = [:]
        for function in board.map.fitted {
            if let held = byNumber[base + board.offset(function)], !held.consumer.isEmpty { holders[function] = held }
        }
        return holders
    }
}

extension Checks {
    /// The shipped daemon takes every line of the pin map in the direction the map says, with
    /// EN released and STEP low; takes no syringe (so starts nothing) before the load cell has
    /// given a reading, naming whether DOUT is stuck low or never signals; hears a switch; holds
    /// its lines against another process; leaves them free when killed and takes them again; and
    /// exits 75 at once, naming the holder, when a line is taken, or after its wait, naming the
    /// chip, when the chip is missing (DAEMON-017).
    mutating func daemonOnTheBoard(_ rig: DaemonOnTheBoard) {
        scenario("the shipped infusiond on the board") { checks in
            try FileManager.default.createDirectory(atPath: rig.directory, withIntermediateDirectories: true)
            let pinMap = FileManager.default.currentDirectoryPath + "/pinmap.toml"
            try rig.writeConfiguration(pinMap: pinMap, to: rig.configuration)
            let initialised = try rig.run(rig.daemon, ["--config", rig.configuration, "--init-journal"])
            checks.check("journal initialised", initialised.status == 0, "--init-journal exited \(initialised.status) \(initialised.errors)")

            checks.board.idle(hx711DataHigh: true)
            let sampler = EnableSampler(board: checks.board)
            defer { _ = sampler.stop() }
            let started = monotonicNanoseconds()
            let daemon = try rig.launch("first start")
            defer { daemon.kill() }
            checks.figure("infusiond start to its socket answering (TCG)", "\((monotonicNanoseconds() - started) / 1_000_000) ms")
            checks.board.idle(hx711DataHigh: true)
            let holders = try rig.kernelHolders()
            let wrong = checks.board.map.fitted.filter { holders[$0]?.consumer != "infusiond" || holders[$0]?.output != $0.isOutput }
            checks.check(
                "the daemon holds every line of the pin map, in the map's direction", wrong.isEmpty && !holders.isEmpty,
                "\(holders.count) of \(checks.board.map.fitted.count) lines held; wrong or missing: \(wrong.map { "\($0)=\(holders[$0].map { "\($0.consumer) \($0.output ? "out" : "in")" } ?? "free")" })")
            checks.check("EN released with the daemon's lines taken", !checks.board.asserted(.enable), "EN line reads disabled, idle")
            checks.check("STEP low with the daemon's lines taken", !checks.board.chip.value(checks.board.offset(.step)), "STEP line reads low")

            // No syringe is taken before the load cell has given a reading; the refusal names
            // an amplifier that never signals, then a line stuck low. Never the other way round
            // here: DOUT released from low during a read-out makes a well-formed read-out (zeros,
            // then ones, DOUT high after the 25th pulse), which v1's run once took as a reading.
            // That the refusal follows the line's present level, not the count of stuck
            // read-outs, is GPIOComponentTests.hx711StuckLow's.
            for (dataHigh, named) in [(true, "DOUT is high"), (false, "DOUT stuck low")] {
                checks.board.idle(hx711DataHigh: dataHigh)
                var load = (status: Int32(0), output: "", errors: "")
                // Stuck low shows once the loop has polled the new level.
                try? waitUntil("load-syringe refused naming \(named)", within: 5) {
                    load = try rig.ctl("load-syringe", "BD Plastipak 50 mL")
                    return load.status != 3 || load.errors.contains(named)
                }
                checks.check(
                    "no force reading, DOUT \(dataHigh ? "high" : "low"): load-syringe refused, naming why", load.status == 3 && load.errors.contains(named),
                    "exit \(load.status): \(load.errors)")
            }
            let program = try rig.ctl(
                "program", "--drug", "ketamine", "--concentration", "10 mg/mL", "--weight", "70 kg", "--dose", "0.35 mg/kg/h", "--duration", "1 h")
            checks.check("program refused for want of a syringe", program.status == 3 && program.errors.contains("syringe"), "exit \(program.status): \(program.errors)")
            let start = try rig.ctl("start")
            let afterStart = try rig.status()
            checks.check(
                "start refused, nothing runs", start.status == 3 && afterStart.state == "no_syringe",
                "exit \(start.status), state \(afterStart.state): \(start.errors)")

            // A switch through the kernel to the daemon's loop: the front panel's STOP held
            // refuses a start for it (KEYS-001), ahead of every other reason.
            if checks.board.map[.stopKey] != nil {
                let pressed = monotonicNanoseconds()
                checks.board.drive(.stopKey, asserted: true)
                var refusal = ""
                let heard = (try? waitUntil("start refused for the held STOP key", within: 5) {
                    refusal = try rig.ctl("start").errors
                    return refusal.contains("KEYS-001")
                }) != nil
                checks.check(
                    "STOP held on the board reaches the daemon", heard,
                    "start refused \((monotonicNanoseconds() - pressed) / 1_000_000) ms after the pull was written: \(refusal)")
                checks.board.drive(.stopKey, asserted: false)
                try waitUntil("STOP released", within: 5) { try !rig.ctl("start").errors.contains("KEYS-001") }
            }

            let other = try rig.run(checks.harness, checks.harnessArguments)
            checks.check(
                "the daemon's lines are refused to another process, naming the daemon as holder",
                other.status == 1 && other.errors.contains("held by another process") && other.errors.contains("consumer \"infusiond\""),
                "harness exit \(other.status): \(other.errors)")

            daemon.kill()
            let freed = try rig.kernelHolders()
            checks.check("SIGKILL leaves every line free", freed.isEmpty, "\(freed.count) lines still held: \(freed.keys.map(\.description))")
            let again = try rig.launch("after SIGKILL")
            defer { again.kill() }
            let retaken = try rig.kernelHolders()
            checks.check(
                "a new daemon takes them again", checks.board.map.fitted.allSatisfy { retaken[$0]?.consumer == "infusiond" },
                "\(retaken.count) of \(checks.board.map.fitted.count) lines held by infusiond")
            again.kill()
            let sampled = sampler.stop()
            checks.check("EN never enabled from before the first start to here", sampled.enabled == 0 && sampled.samples > 0, "\(sampled.enabled) of \(sampled.samples) samples read enabled")

            // Taken by another process: the daemon exits 75 at once, naming the holder; systemd
            // tries again after RestartSec.
            let holder = try checks.launch()
            defer { holder.kill() }
            let held = try rig.run(rig.daemon, ["--config", rig.configuration], within: 30)
            checks.check(
                "a line held by another process: exit 75 naming it and its holder",
                held.status == 75 && held.errors.contains("line ") && held.errors.contains("consumer \"gpiopump-harness\""),
                "exit \(held.status): \(held.errors)")
            holder.kill()

            let text = try String(contentsOfFile: pinMap, encoding: .utf8)
            let label = checks.board.map[.step]?.address.chip ?? "?"
            let absentMap = "\(rig.directory)/pinmap-absent-chip.toml"
            try text.replacingOccurrences(of: "chip = \"\(label)\"", with: "chip = \"no-such-chip\"").write(toFile: absentMap, atomically: true, encoding: .utf8)
            let absentConfiguration = "\(rig.directory)/absent-chip.toml"
            try rig.writeConfiguration(pinMap: absentMap, to: absentConfiguration)
            let waitStarted = monotonicNanoseconds()
            let absent = try rig.run(rig.daemon, ["--config", absentConfiguration], within: 30)
            checks.check(
                "a missing chip: waited for, then exit 75 naming it",
                absent.status == 75 && absent.errors.contains("no-such-chip") && absent.errors.contains("waiting up to 1 s"),
                "exit \(absent.status) after \((monotonicNanoseconds() - waitStarted) / 1_000_000) ms: \(absent.errors)")
        }
    }
}

/// Samples EN through sysfs about every millisecond on its own thread, so a driver enabled for a
/// control period would show. (The kernel's trace cannot count the daemon's STEP edges here: its
/// HX711 read-outs toggle SCK some 50 000 times a second and overrun the trace's ring.)
final class EnableSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var finished = false
    private var counts = (samples: 0, enabled: 0)

    init(board: Board) {
        Thread { [self] in
            while lock.withLock({ running }) {
                let enabled = board.asserted(.enable)
                lock.withLock {
                    counts.samples += 1
                    if enabled { counts.enabled += 1 }
                }
                usleep(1_000)
            }
            lock.withLock { finished = true }
        }.start()
    }

    /// Stops sampling (again: no effect); answers how many samples were taken and how many read
    /// EN enabled.
    func stop() -> (samples: Int, enabled: Int) {
        lock.withLock { running = false }
        while !lock.withLock({ finished }) { usleep(1_000) }
        return lock.withLock { counts }
    }
}
