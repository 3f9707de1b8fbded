import ControlProtocol
import Foundation
import Glibc
import Testing

/// The technician socket attacked the way the field will: by a broken client, a fuzzing script,
/// a runaway loop of connects, a watcher that stopped reading. A program runs throughout; after
/// each attack a well-formed client must still be answered, and at the end the infusion must be
/// exactly as it was: same state, same program, no alarm (a `loop_overrun` would show that the
/// attack reached the loop), the event log's chain intact.
@Suite("Torture: a hostile socket", .serialized)
struct HostileSocketTests {
    /// Lines that are each one request's worth of wrong: each must get exactly one refusal.
    static let badLines: [String] = [
        "{", "}", "null", "[]", "\"stop\"", "42", "{}", "{\"v\":1}", "{\"command\":\"stop\"}",
        "{\"v\":\"1\",\"command\":\"stop\"}", "{\"v\":1.5,\"command\":\"stop\"}", "{\"v\":2,\"command\":\"stop\"}",
        "{\"v\":1,\"command\":5}", "{\"v\":1,\"command\":[\"stop\"]}", "{\"v\":1,\"command\":{\"name\":\"stop\"}}",
        "{\"v\":1,\"command\":\"selfdestruct\"}", "{\"v\":1,\"command\":\"STOP\"}", "{\"v\":1,\"command\":\"stop \"}",
        "{\"v\":1,\"command\":\"bolus\",\"dose\":5}", "{\"v\":1,\"command\":\"bolus\",\"dose\":\"1e999 mg/kg\"}",
        "{\"v\":1,\"command\":\"program\",\"drug\":null}", "{\"v\":1,\"command\":\"stop\",\"extra\":true}",
        "{\"v\":1,\"command\":\"stop\",\"v\":1}", "{\"v\":1,\"command\":\"stop\"} trailing",
        "{\"v\":1e400,\"command\":\"stop\"}", "{\"v\":1,\"command\":\"\\u0000stop\"}",
        String(repeating: "[", count: 60_000), "{\"v\":1,\"command\":\"stop\",\"x\":" + String(repeating: "{\"a\":", count: 12_000),
    ]

    @Test(
        "bad lines, random bytes, oversized and truncated lines, thousands of connects, watchers that never read, and flooding, reconnecting and blank-line clients at once: well-formed clients are answered throughout and the infusion is untouched"
    )
    func hostileClients() throws {
        let rig = try DaemonRig(scale: 1)
        try rig.start()
        try rig.program(duration: "2 h")
        #expect(rig.ctl("start").status == 0)
        let before = try rig.status()
        try #require(before.state == "running", "\(before.state)")

        // Each bad line on its own connection's pace (under the rate limit) gets one refusal, and
        // none is taken as a stop though most name one.
        let wrong = try rig.connect()
        let wrongReplies = LineReader(wrong)
        for (index, line) in Self.badLines.enumerated() {
            wrong.write(Data((line + "\n").utf8))
            let reply = try wrongReplies.next()
            #expect(reply.contains("\"ok\":false"), "line \(index) \(line.prefix(60).debugDescription) answered \(reply)")
            usleep(60_000)
        }
        // A blank line is skipped, not answered: the next reply is the next request's.
        wrong.write(Data(" \t\r\n\n{\"v\":1,\"id\":\"after-blank\",\"command\":\"status\"}\n".utf8))
        let afterBlank = try wrongReplies.next()
        #expect(afterBlank.contains("\"after-blank\""), "\(afterBlank)")
        try wrong.close()
        try Self.expectAnswered(rig, after: "bad lines")

        // Random bytes, newlines among them, on eight connections; then each hangs up mid-line.
        var generator = SplitMix64(seed: 0x5EED_0006)
        for _ in 0..<8 {
            let noise = try rig.connect()
            noise.write(Data((0..<65_536).map { _ in UInt8(truncatingIfNeeded: generator.next()) }))
            noise.write(Data("{\"v\":1,\"command\":\"sto".utf8))
            try noise.close()
        }
        try Self.expectAnswered(rig, after: "random bytes and truncated lines")

        // A line of 1 MiB is refused once as too long, and the line after it is read normally.
        let long = try rig.connect()
        let longReplies = LineReader(long)
        long.write(Data(repeating: UInt8(ascii: "x"), count: 1 << 20) + Data("\n{\"v\":1,\"command\":\"status\"}\n".utf8))
        let tooLong = try longReplies.next()
        #expect(tooLong.contains("\"too_long\""), "\(tooLong)")
        let after = try longReplies.next()
        #expect(after.contains("\"ok\":true") && after.contains("\"running\""), "\(after)")
        try long.close()

        // Watchers that never read hold their slots, while the server keeps serving everyone else.
        let stuck = try (0..<4).map { _ in
            let watcher = try rig.connect()
            watcher.write(Data("{\"v\":1,\"command\":\"status\",\"watch\":true}\n".utf8))
            return watcher
        }

        // Thousands of connects: most close at once, some sit silent, and those over the cap are
        // told busy. The daemon's descriptors come back: it answers afterwards.
        for round in 0..<20 {
            var held: [FileHandle] = []
            for _ in 0..<100 { held.append(try rig.connect()) }
            if round % 5 == 0 { try Self.expectAnswered(rig, after: "\(round * 100) connects", allowBusy: true) }
            for handle in held { try handle.close() }
        }
        try Self.expectAnswered(rig, after: "2 000 connects", allowBusy: true)
        for watcher in stuck { try watcher.close() }
        try Self.expectAnswered(rig, after: "the watchers leaving")

        // Issue 15's attacks at once: eight clients writing as fast as the socket takes, four
        // reconnecting with unknown commands, one sending only blank lines. A fresh client is
        // answered throughout, and the program's record stays in the log.
        let flood = try SocketFairnessEndToEndTests.Flood(rig: rig, connections: 8)
        defer { flood.stop() }
        let blank = try rig.connect()
        let reconnecting = SocketFairnessEndToEndTests.reconnecting(to: rig.socket, clients: 4, rounds: 30, kinds: 30)
        for round in 0..<10 {
            blank.write(Data(" \n\n".utf8))
            try Self.expectAnswered(rig, after: "round \(round) of the combined flood")
        }
        while reconnecting.contains(where: { !$0.isFinished }) { usleep(10_000) }
        let history = rig.ctl("history", "--limit", "10000").output
        #expect(history.contains("program") && history.contains("requested"), "the program's record is gone: \(history.suffix(1_000))")
        try? blank.close()
        flood.stop()

        let final = try rig.status()
        #expect(final.state == "running", "\(final.state): \(final.alarms)")
        #expect(final.alarms.isEmpty, "\(final.alarms)")
        #expect(final.program == before.program)
        #expect(final.deliveredMl > before.deliveredMl, "delivery went on: \(before.deliveredMl) → \(final.deliveredMl) mL")
        let verify = rig.ctl("history", "--verify")
        #expect(verify.status == 0 && verify.output.contains("verified"), "\(verify.output)\(verify.error)")
        #expect(rig.stop() == 0)
        let log = String(decoding: rig.daemonOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if let lateness = log.split(separator: "\n").first(where: { $0.contains("lateness") }) { print("hostile socket: \(lateness)") }
        #expect(!log.contains("loop_overrun"), "\(log.suffix(2_000))")
    }

    /// A well-formed status from a fresh client, answered with the infusion still running.
    /// `allowBusy`: while the test itself holds the cap's worth of connections.
    static func expectAnswered(_ rig: DaemonRig, after attack: String, allowBusy: Bool = false) throws {
        let outcome = rig.ctl("status", "--json")
        if allowBusy && outcome.status == 5 && outcome.output.contains("\"busy\"") { return }
        #expect(outcome.status == 0, "after \(attack): \(outcome.error)")
        #expect(outcome.output.contains("\"state\":\"running\""), "after \(attack): \(outcome.output)")
    }

    /// Reads reply lines from one connection, keeping what arrived past the line asked for: two
    /// replies can come in one read (the refusal of a 1 MiB line and the answer after it once did,
    /// and a reader that dropped the second waited ten minutes for the idle timeout).
    final class LineReader {
        let handle: FileHandle
        private var received = Data()

        init(_ handle: FileHandle) { self.handle = handle }

        /// One reply line; throws if the daemon closes first.
        func next() throws -> String {
            while !received.contains(0x0A) {
                let more = handle.availableData
                guard !more.isEmpty else { throw RigError("closed after \(received.count) bytes") }
                received.append(more)
            }
            let end = received.firstIndex(of: 0x0A)!
            let line = String(decoding: received[received.startIndex..<end], as: UTF8.self)
            received = Data(received[received.index(after: end)...])
            return line
        }
    }
}
