import Foundation
import PumpHardware

/// `gpiopump-harness` as a child process: commands in on stdin, its JSON lines collected.
///
/// Spawned and reaped with posix_spawn and waitpid, read by plain threads: Foundation's Process
/// waits for its child through a run-loop socket pair, which the guest's minimal userland cannot
/// give it, so `waitUntilExit` never returned there.
final class HarnessProcess: @unchecked Sendable {
    private let pid: pid_t
    private let input: Int32
    private let lock = NSLock()
    private var printed = ""
    private var errors = ""
    private var status: Int32?

    init(executable: String, arguments: [String]) throws {
        var stdinPipe: [Int32] = [0, 0]
        var stdoutPipe: [Int32] = [0, 0]
        var stderrPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            throw CheckFailure("pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        for fd in stdinPipe + stdoutPipe + stderrPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, nil, argv, environ)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawned == 0 else { throw CheckFailure("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        pid = child
        input = stdinPipe[1]
        collect(stdoutPipe[0]) { $0.printed += $1 }
        collect(stderrPipe[0]) { $0.errors += $1 }
    }

    deinit { close(input) }

    private func collect(_ fd: Int32, into append: @escaping @Sendable (HarnessProcess, String) -> Void) {
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let count = read(fd, &buffer, buffer.count)
                guard count > 0 else { break }
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                lock.withLock { append(self, text) }
            }
            close(fd)
        }.start()
    }

    var log: String { lock.withLock { errors } }

    /// Everything it has written to standard output so far.
    var output: String { lock.withLock { printed } }

    /// The exit status once it has exited (reaping it), else nil.
    var exitStatus: Int32? {
        lock.withLock {
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid { status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F) }
            }
            return status
        }
    }

    var lines: [[String: Any]] {
        lock.withLock { printed }.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func send(_ command: String) {
        _ = (command + "\n").withCString { write(input, $0, strlen($0)) }
    }

    /// The first line after `since` (monotonic ns) that satisfies `condition`, waiting for it.
    func await(
        _ what: String, after since: Int64 = 0, within seconds: Double, _ condition: ([String: Any]) -> Bool = { _ in true }
    ) throws -> [String: Any] {
        var found: [String: Any]?
        try waitUntil(what, within: seconds) {
            found = lines.first { $0.int("at") > since && condition($0) }
            return found != nil
        }
        return found!
    }

    func kill() {
        guard exitStatus == nil else { return }
        Glibc.kill(pid, SIGKILL)
        try? waitForExit(within: 10)
    }

    func waitForExit(within seconds: Double) throws {
        try waitUntil("harness exit", within: seconds) { exitStatus != nil }
    }
}

extension Dictionary where Key == String, Value == Any {
    func int(_ key: String) -> Int64 { (self[key] as? NSNumber)?.int64Value ?? 0 }
    func bool(_ key: String) -> Bool? { (self[key] as? NSNumber)?.boolValue }
    func string(_ key: String) -> String? { self[key] as? String }
}

/// Waits for `condition`, checking every millisecond, failing after `seconds`.
func waitUntil(_ what: String, within seconds: Double, _ condition: () throws -> Bool) throws {
    let deadline = monotonicNanoseconds() + Int64(seconds * 1e9)
    while try !condition() {
        guard monotonicNanoseconds() < deadline else { throw CheckFailure("\(what): not within \(seconds) s") }
        usleep(1_000)
    }
}

func monotonicNanoseconds() -> Int64 { MonotonicClock.now().nanoseconds }
