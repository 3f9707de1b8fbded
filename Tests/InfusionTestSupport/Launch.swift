import Foundation
import Synchronization

private let launching = Mutex(())

/// Starts `process` under one process-wide lock. Foundation's `Process.run()` crashed once inside
/// its own memmove while many tests launched daemons and infusionctl at the same moment; the
/// launches are serialised (each takes microseconds) and the processes still run side by side.
public func launch(_ process: Process) throws {
    try launching.withLock { _ in try process.run() }
}
