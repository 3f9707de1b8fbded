import ControlProtocol
import Foundation
import InfusionTestSupport
import Glibc
import Synchronization
import Testing

/// No client can lock the technician out (issue 15, findings 2 and 3): a flood from one client or
/// several while `pause` is obeyed within a second; sixteen watchers holding every slot while an
/// operator still gets in; a line of nothing holding no slot; a reconnecting flood that leaves the
/// program's record in the log.
@Suite("End to end: a socket no client can lock", .serialized)
struct SocketFairnessEndToEndTests {
    /// Connections that write `line` as fast as the socket takes it, each on its own thread, until
    /// stopped (their sockets shut down under them).
    final class Flood: @unchecked Sendable {
        private var descriptors: [Int32] = []
        private var threads: [Thread] = []
        let written = Atomic<Int>(0)

        init(rig: DaemonRig, connections: Int, line: String = "x\n") throws {
            let chunk = [UInt8](String(repeating: line, count: 65_536 / line.utf8.count).utf8)
            for _ in 0..<connections {
                let handle = try rig.connect()
                let fd = handle.fileDescriptor
                descriptors.append(dup(fd))
                // Its replies are read and thrown away, so the daemon never cuts it off for
                // not reading: the flood lasts as long as the test wants.
                // Both threads keep the handle alive, so its descriptor is not closed (and its
                // number reused) while either still uses it.
                let reader = Thread {
                    withExtendedLifetime(handle) {
                        var sink = [UInt8](repeating: 0, count: 65_536)
                        while recv(fd, &sink, sink.count, 0) > 0 {}
                    }
                }
                threads.append(reader)
                reader.start()
                let thread = Thread { [self] in
                    withExtendedLifetime(handle) {
                        while true {
                            let sent = chunk.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                            if sent <= 0 { return }
                            self.written.add(sent, ordering: .relaxed)
                        }
                    }
                }
                threads.append(thread)
                thread.start()
            }
        }

        /// Idempotent: a second call closes nothing, since a descriptor number closed twice may
        /// by then belong to another test's connection (a concurrent suite's client once blocked
        /// 600 s, until the daemon's idle timeout, on a socket closed under it this way).
        func stop() {
            for fd in descriptors {
                shutdown(fd, Int32(SHUT_RDWR))
                close(fd)
            }
            descriptors.removeAll()
            while threads.contains(where: { !$0.isFinished }) { usleep(1_000) }
        }
    }

    /// Runs `infusionctl arguments` and answers its exit status and how long it took.
    static func timed(_ rig: DaemonRig, _ arguments: String...) -> (status: Int32, seconds: Double) {
        let started = Date()
        let outcome = rig.ctl(arguments)
        return (outcome.status, Date().timeIntervalSince(started))
    }

    /// How long an answer may take before the test calls it lost: a hang guard, not the speed.
    /// Before issue 15 a flood held `pause` 10–15 s; what it takes now is measured by the
    /// `socket-flood` bench (Benchmarks/README.md), against the requirement's 1 s.
    static let hangGuard = 5.0

    @Test(
        "clients writing as fast as the socket takes — garbage, or changing commands from the operator's own uid, which spend its rate: pause is obeyed, and resume when the flood is garbage",
        arguments: [(1, "x\n"), (8, "x\n"), (4, "{\"v\":1,\"command\":\"start\"}\n")])
    func pauseIsObeyedUnderAFlood(flooders: Int, line: String) throws {
        let rig = try DaemonRig(scale: 1)
        try rig.start()
        try rig.program(duration: "2 h")
        #expect(rig.ctl("start").status == 0)
        let flood = try Flood(rig: rig, connections: flooders, line: line)
        defer { flood.stop() }
        try rig.waitUntil("the flood is flowing", within: 5) { flood.written.load(ordering: .relaxed) > 200_000 }
        // A flood of changing commands from the operator's own uid spends the uid's rate, so a
        // resume from that uid usually waits; a token refilled just as the resume is read lets
        // it through (the rate is shared, not reserved), so the test asks only that one of five
        // is refused — without the per-uid rate every one is obeyed.
        let spendsTheRate = line.contains("start")
        var refused = 0
        for trial in 0..<(spendsTheRate ? 5 : 3) {
            if try rig.status().state == "running" {
                let pause = Self.timed(rig, "pause")
                #expect(pause.status == 0 && pause.seconds < Self.hangGuard, "trial \(trial): pause exited \(pause.status) after \(pause.seconds) s under \(flooders) flooding")
            }
            let paused = try rig.status()
            #expect(paused.state == "paused", "\(paused.state)")
            let resume = Self.timed(rig, "resume")
            #expect(resume.seconds < Self.hangGuard, "trial \(trial): resume took \(resume.seconds) s")
            if spendsTheRate {
                let after = try rig.status()
                #expect(
                    (resume.status == 3 && after.state == "paused") || (resume.status == 0 && after.state == "running"),
                    "trial \(trial): resume exited \(resume.status), state \(after.state)")
                if resume.status == 3 { refused += 1 }
                continue
            }
            #expect(resume.status == 0, "trial \(trial): resume exited \(resume.status)")
        }
        if spendsTheRate {
            #expect(refused > 0, "the uid's own flood of changing commands never held a resume back")
            flood.stop()
            try rig.waitUntil("resume once the uid's own flood stops", within: Self.hangGuard) {
                let state = (try? rig.status().state) ?? ""
                return state == "running" || rig.ctl("resume").status == 0
            }
        }
        let written = flood.written.load(ordering: .relaxed)
        print("socket fairness: \(flooders) flooding client(s) wrote \(written / 1_000) kB of \(line.debugDescription); pause obeyed\(spendsTheRate ? ", resume held back \(refused) of 5" : ", resume obeyed")")
        #expect(try !rig.status().alarms.contains { $0.id == "loop_overrun" })
        flood.stop()
        #expect(rig.stop() == 0)
    }

    /// The id of group `name`, or nil.
    static func groupID(_ name: String) -> UInt32? { getgrnam(name).map { $0.pointee.gr_gid } }

    @Test(
        "sixteen watchers, run as a uid whose only role is a group its process holds (not /etc/group's), take the unreserved slots; an operator still gets in, closing the watcher that asked least recently",
        .enabled(if: canRunAsNobodyWithTheObserverGroup()))
    func watchersCannotLockOutAnOperator() throws {
        let observer = try #require(Self.groupID("infusion"))
        let rig = try DaemonRig(socketLimits: "max_connections = 16\nreserved_connections = 2")
        try rig.start()
        try rig.program(duration: "4 h")
        #expect(rig.ctl("start").status == 0)
        // nobody (65534), with the observer group as its process's own supplementary group: the
        // kernel's credentials (SO_PEERGROUPS) make it an observer, as /etc/group would not.
        let script = """
            import json, socket, sys, time
            held, watching, busy = [], 0, 0
            for _ in range(16):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sys.argv[1])
                try: s.sendall(b'{"v":1,"command":"watch"}\\n')
                except OSError: pass
                try: reply = s.makefile().readline()
                except OSError: reply = ''
                time.sleep(0.05)
                if '"ok":true' in reply: watching += 1; held.append(s)
                elif 'busy' in reply: busy += 1
                else: print("unexpected", reply.strip(), flush=True)
            print(watching, busy, flush=True)
            sys.stdin.readline()
            """
        let watchers = Process()
        watchers.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        watchers.arguments = ["--reuid=65534", "--regid=65534", "--groups=\(observer)", "/usr/bin/python3", "-c", script, rig.socket]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        watchers.standardInput = input
        watchers.standardOutput = output
        watchers.standardError = errors
        try launch(watchers)
        defer {
            try? input.fileHandleForWriting.close()
            watchers.waitUntilExit()
        }
        var line = ""
        while !line.hasSuffix("\n") {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line += String(decoding: byte, as: UTF8.self)
        }
        if line.isEmpty {
            try? input.fileHandleForWriting.close()
            Issue.record("the watchers said nothing: \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
            return
        }
        #expect(line.trimmingCharacters(in: .whitespacesAndNewlines) == "14 2", "watching and told busy: \(line)")
        // The two reserved slots, taken by held admin connections: every slot is now in use.
        let held = [try rig.connect(), try rig.connect()]
        let pause = Self.timed(rig, "pause")
        let after = try rig.status()
        #expect(
            pause.status == 0 && pause.seconds < Self.hangGuard,
            "pause exited \(pause.status) after \(pause.seconds) s; state \(after.state), alarms \(after.alarms.map(\.id))")
        #expect(after.state == "paused")
        withExtendedLifetime(held) {}
        #expect(rig.stop() == 0)
    }

    @Test("every slot held by connections of the operator's own role — flooding garbage, idle, or trickling half a line: pause still gets in, closing the one answered longest ago")
    func operatorsHoldingEverySlotCannotLockOutPause() throws {
        let rig = try DaemonRig(scale: 1, socketLimits: "max_connections = 16\nreserved_connections = 2")
        try rig.start()
        try rig.program(duration: "2 h")
        #expect(rig.ctl("start").status == 0)
        let flood = try Flood(rig: rig, connections: 8)
        defer { flood.stop() }
        var held = try (0..<4).map { _ in try rig.connect() }
        for _ in 0..<4 {
            let trickle = try rig.connect()
            trickle.write(Data("{\"v\":1,\"comm".utf8))
            held.append(trickle)
        }
        try rig.waitUntil("the flood is flowing", within: 5) { flood.written.load(ordering: .relaxed) > 200_000 }
        for trial in 0..<3 {
            let pause = Self.timed(rig, "pause")
            #expect(pause.status == 0 && pause.seconds < Self.hangGuard, "trial \(trial): pause exited \(pause.status) after \(pause.seconds) s")
            #expect(try rig.status().state == "paused")
            #expect(Self.timed(rig, "resume").status == 0, "trial \(trial)")
        }
        withExtendedLifetime(held) {}
        flood.stop()
        #expect(rig.stop() == 0)
    }

    @Test("a line of nothing is not activity: a client sending only blank lines is closed at the idle timeout")
    func blankLinesHoldNoSlot() throws {
        let rig = try DaemonRig(socketLimits: "idle_timeout = \"1 s\"")
        try rig.start()
        let connection = try rig.connect()
        let started = Date()
        var closed = false
        while Date().timeIntervalSince(started) < 5 {
            connection.write(Data(" \n\n".utf8))
            var poller = pollfd(fd: connection.fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 200) > 0 {
                let reply = String(decoding: connection.availableData, as: UTF8.self)
                closed = reply.contains("idle_timeout") || reply.isEmpty
                if closed { break }
            }
        }
        #expect(closed, "still open after \(Date().timeIntervalSince(started)) s of blank lines")
    }

    /// Issue 15 finding 3: twelve clients reconnecting and sending unknown commands wrote 140 700
    /// events in 40 s, and pruning removed every earlier event, the program's with them.
    @Test("twelve clients reconnecting and sending unknown commands: counted per uid, a handful of records, the program's record intact")
    func reconnectingFloodLeavesTheRecord() throws {
        let rig = try DaemonRig()
        try rig.start()
        try rig.program(duration: "4 h")
        let before = rig.ctl("history", "--limit", "10000").output.split(separator: "\n").count
        let threads = Self.reconnecting(to: rig.socket, clients: 12, rounds: 60, kinds: 3)
        while threads.contains(where: { !$0.isFinished }) { usleep(10_000) }
        let history = rig.ctl("history", "--limit", "10000").output.split(separator: "\n")
        // 7 200 refused requests: the first of each kind is written (36 kinds), the rest counted.
        #expect(history.count - before < 80, "\(history.count - before) records for 7 200 refusals")
        #expect(history.contains { $0.contains("program ketamine") && $0.contains(": done") }, "the program's record was pushed out")
        #expect(rig.stop() == 0)
    }
}

extension SocketFairnessEndToEndTests {
    /// `clients` threads, started, each connecting `rounds` times and sending ten unknown
    /// commands a time (`kinds` names a client, cycled), reading the first reply and hanging up.
    static func reconnecting(to socket: String, clients: Int, rounds: Int, kinds: Int) -> [Thread] {
        let threads = (0..<clients).map { index in
            Thread {
                for round in 0..<rounds {
                    guard let connection = try? DaemonRig.connect(to: socket) else { continue }
                    connection.write(Data(String(repeating: "{\"v\":1,\"command\":\"gremlin\(index)-\(round % kinds)\"}\n", count: 10).utf8))
                    _ = connection.availableData
                    try? connection.close()
                }
            }
        }
        threads.forEach { $0.start() }
        return threads
    }
}

/// Root, setpriv and the observer group (scripts/install-dependencies creates it as root).
func canRunAsNobodyWithTheObserverGroup() -> Bool {
    getuid() == 0 && FileManager.default.fileExists(atPath: "/usr/bin/setpriv") && getgrnam("infusion") != nil
}
