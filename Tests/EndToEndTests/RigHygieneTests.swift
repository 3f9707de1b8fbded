import Foundation
import InfusionTestSupport
import Testing

/// The test rig's own hygiene: what the tests start must not leak into one another. A CI run of
/// the whole suite crashed inside Foundation's Process.run() with about 1 870 descriptors open in
/// the tests' process, and the crash then held CI to its limit as a hang (Launch.swift).
@Suite("Test rig hygiene")
struct RigHygieneTests {
    /// A child that outlives the test unless ended: `sleep 30`, launched.
    static func sleeper() throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["30"]
        try launch(process)
        return process
    }

    /// A finished infusionctl run leaves nothing behind: its process and pipes are released when
    /// the run returns, not when its hang guard's minute is up.
    @Test func aFinishedRunReleasesItsProcessAndPipes() throws {
        weak var released: Process?
        do {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/true")
            released = process
            #expect(DaemonRig.collect(process).status == 0)
        }
        // Foundation's own reaper may hold it for a moment after the exit is seen.
        let deadline = Date().addingTimeInterval(10)
        while released != nil, Date() < deadline { usleep(10_000) }
        #expect(released == nil, "the finished run is still held (its pipes with it)")
    }

    /// The trampoline closes what a child would inherit: a descriptor left open without
    /// close-on-exec (as Foundation's Pipe leaves them) does not reach the program it starts.
    @Test func theTrampolineClosesInheritedDescriptors() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The shell opens descriptor 7 and runs the listing through launch's trampoline itself.
        let trampoline = Bundle.main.bundleURL.appendingPathComponent("spawn-trampoline").path
        process.arguments = ["-c", "exec 7</dev/null; exec \"$0\" /bin/ls /proc/self/fd", trampoline]
        let outcome = DaemonRig.collect(process)
        try #require(outcome.status == 0, "\(outcome.error)")
        let descriptors = Set(outcome.output.split(separator: "\n").compactMap { Int($0) })
        #expect(descriptors.isSuperset(of: [0, 1, 2]))
        #expect(!descriptors.contains(7), "inherited: \(descriptors.sorted())")
    }

    /// A child given no output writes to /dev/null, not to the tests' own output: orphaned by a
    /// crash, it would otherwise hold `swift test`'s pipe open. And it starts with no signal
    /// blocked: spawned from a worker thread that blocks them, its SIGTERM waited forever.
    @Test func aChildStartsClean() throws {
        let process = try Self.sleeper()
        defer { process.terminate(); process.waitUntilExit() }
        let proc = "/proc/\(process.processIdentifier)"
        // Until the trampoline has become sleep.
        let deadline = Date().addingTimeInterval(10)
        while (try? FileManager.default.destinationOfSymbolicLink(atPath: proc + "/exe"))?.hasSuffix("/sleep") != true, Date() < deadline {
            usleep(1_000)
        }
        for descriptor in [1, 2] {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: "\(proc)/fd/\(descriptor)")
            #expect(target == "/dev/null", "descriptor \(descriptor) is \(target)")
        }
        let status = try String(contentsOfFile: proc + "/status", encoding: .utf8)
        let blocked = status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
        #expect(blocked == "SigBlk:\t0000000000000000", "\(blocked ?? "no SigBlk line")")
    }

    /// A long-lived child does not hold up the reaping of the others: the trampoline keeps
    /// Process's socket pair, whose closing at the exit is how Process knows to reap. With it
    /// closed, Process's one reaping thread waited for the daemon alone and the suite stood still.
    @Test func aLongChildDoesNotHoldUpTheOthers() throws {
        let long = try Self.sleeper()
        defer { long.terminate(); long.waitUntilExit() }
        let short = Process()
        short.executableURL = URL(fileURLWithPath: "/bin/true")
        #expect(DaemonRig.collect(short).status == 0)
        #expect(long.isRunning, "the short run was reaped only once the long one had ended")
    }
}
