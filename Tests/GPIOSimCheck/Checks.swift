import Foundation
import PumpHardware

/// The kernel stage's checks (docs/testing.md, "The GPIO path in the kernel"). Each starts a fresh
/// harness, since alarms latch, and ends by killing it. Results and figures go to stdout, where
/// the host script reads them off the guest's console.
struct Checks {
    let board: Board
    let harness: String
    let harnessArguments: [String]
    private(set) var failures = 0
    private(set) var passes = 0

    init(board: Board, harness: String, harnessArguments: [String]) {
        self.board = board
        self.harness = harness
        self.harnessArguments = harnessArguments
    }

    mutating func check(_ name: String, _ holds: Bool, _ detail: String) {
        if holds { passes += 1 } else { failures += 1 }
        print("\(holds ? "PASS" : "FAIL") \(name): \(detail)")
    }

    func figure(_ name: String, _ value: String) { print("FIGURE \(name): \(value)") }

    /// Runs `body`, counting a thrown error as a failed check named `name`.
    mutating func scenario(_ name: String, _ body: (inout Checks) throws -> Void) {
        print("-- \(name)")
        do { try body(&self) } catch { check(name, false, "\(error)") }
    }

    /// A harness with its lines taken and the board brought to a ready pump.
    func launch(modelledHX711: Bool = true, hx711DataHigh: Bool = true) throws -> HarnessProcess {
        let process = try HarnessProcess(
            executable: harness, arguments: harnessArguments + (modelledHX711 ? ["--modelled-hx711"] : []))
        do {
            let taken = try process.await("lines taken", within: 30) { $0.string("event") == "lines_taken" }
            board.idle(hx711DataHigh: hx711DataHigh)
            // Let the switches' debouncers see the board settle (20 ms) before anything starts.
            _ = try process.await("a status after the board settled", after: taken.int("at") + 50_000_000, within: 10) {
                $0.string("event") == "status"
            }
            // Requesting STOP with its pull-up makes gpio-sim read it held until idle() closes
            // the contact; that edge reaches the harness through gpio-sim's threaded handler,
            // which under TCG once came after the 50 ms above, and the start was refused for a
            // held STOP (KEYS-001). Wait until the harness's last word on STOP is "released".
            try waitUntil("STOP released after the board went idle", within: 10) {
                process.lines.last { $0.string("event") == "stop_key" }?.bool("stop_key_held") != true
            }
        } catch {
            process.kill()
            throw CheckFailure("\(error); harness said: \(process.log)")
        }
        return process
    }

    /// Starts the program and waits for the driver to be enabled; answers the "running" line.
    func startDelivering(_ process: HarnessProcess) throws -> [String: Any] {
        let sent = monotonicNanoseconds()
        process.send("start")
        let running: [String: Any]
        do {
            running = try process.await("running", after: sent, within: 10) { $0.string("state") == "running" }
        } catch {
            // What the harness said instead: a refusal, the last state, its standard error.
            let since = process.lines.filter { $0.int("at") > sent }
            let refused = since.first { $0.string("event") == "refused" }.map { "refused: \($0.string("reason") ?? "?")" } ?? "no refusal"
            throw CheckFailure("\(error); \(refused); last state \(since.last?.string("state") ?? "none"); harness said: \(process.log)")
        }
        try waitUntil("EN at its enabled level", within: 2) { board.asserted(.enable) }
        return running
    }

    func awaitReleased(_ what: String) throws -> Int64 {
        let from = monotonicNanoseconds()
        try waitUntil(what, within: 2) { !board.asserted(.enable) }
        return monotonicNanoseconds() - from
    }

    /// The reaction came in the tick that received the kernel's edge event: the loop reads every
    /// input's events once a period, so that is the first period that could know of it.
    mutating func checkActedOnInReceivingPeriod(_ name: String, _ line: [String: Any], since written: Int64) {
        let edge = line.int("edge_at")
        let received = line.int("edge_received_at")
        let previous = line.int("previous_tick_at")
        let tick = line.int("at")
        check(
            "\(name) reached the loop as an edge and was acted on in the period that received it",
            edge > 0 && received == tick && edge <= tick,
            "kernel stamp \(microseconds(tick - edge)) µs before the reacting tick, received by \(received == tick ? "that tick" : "the tick at \(received)")"
                + " (the tick before began \(microseconds(previous - edge)) µs from the stamp; negative is before it)")
        figure("\(name): kernel's edge stamp to reacting tick", "\(microseconds(tick - edge)) µs (pull written to tick: \(microseconds(tick - written)) µs)")
    }
}

func microseconds(_ nanoseconds: Int64) -> String { String(format: "%.0f", Double(nanoseconds) / 1_000) }
