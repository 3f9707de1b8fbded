import Foundation
import Synchronization

private let launching = Mutex(())

/// Starts `process` as the tests must start every child: through `spawn-trampoline`, and never on
/// the test process's own standard output or error.
///
/// The trampoline closes every inherited descriptor but 0, 1 and 2 inside the child. Foundation's
/// Process lists /proc/self/fd before the spawn and closes what it saw, so a pipe or socket that
/// another test opened in that moment went to the child: a daemon holding another test's pipe
/// kept that test's read waiting for an end that never came, and the tests' process reached about
/// 1 870 open descriptors, where Foundation's listing of /proc/self/fd crashed (a CI run at the
/// start of December 2026, docs/testing.md).
///
/// A child left without output goes to /dev/null, not to the test process's: a daemon or pumpsim
/// orphaned by a crashed test process would otherwise hold `swift test`'s pipe open, and the crash
/// would end as a hang at scripts/test's limit instead of a failure.
///
/// The launches are still serialised (each takes microseconds; the processes run side by side).
public func launch(_ process: Process) throws {
    guard let program = process.executableURL?.path else { throw LaunchFailure("no executable to launch") }
    process.arguments = [program] + (process.arguments ?? [])
    process.executableURL = spawnTrampoline
    // Foundation's default is the parent's own handle, not nil.
    if process.standardOutput == nil || process.standardOutput as? FileHandle === FileHandle.standardOutput {
        process.standardOutput = FileHandle.nullDevice
    }
    if process.standardError == nil || process.standardError as? FileHandle === FileHandle.standardError {
        process.standardError = FileHandle.nullDevice
    }
    try launching.withLock { _ in try process.run() }
}

/// The trampoline built beside the test bundle.
private let spawnTrampoline = Bundle.main.bundleURL.appendingPathComponent("spawn-trampoline")

public struct LaunchFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
