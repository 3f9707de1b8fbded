import Foundation
import Glibc
import Synchronization

/// One daemon per journal. A second `infusiond` started on a running pump's configuration once
/// opened the same journal and took over its socket, so the daemon still infusing could no longer
/// be paused (red team, issue 15 F3). The start takes an exclusive `flock` on `JOURNAL.lock` and
/// holds it for the life of the process; the kernel drops it when the process dies, however it
/// dies. Within one process the lock is taken once per path (the tests open a journal's start
/// more than once).
enum JournalLock {
    private static let held = Mutex<[String: Int32]>([:])

    static func take(forJournal path: String) throws(JournalError) {
        let lockPath = path + ".lock"
        let failure: JournalError? = held.withLock { held in
            if held[lockPath] != nil { return nil }
            let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard descriptor >= 0 else { return JournalError(.io, "cannot open the journal's lock \(lockPath): \(String(cString: strerror(errno)))") }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                var owner = [UInt8](repeating: 0, count: 32)
                let count = pread(descriptor, &owner, owner.count, 0)
                close(descriptor)
                let pid = count > 0 ? String(decoding: owner[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
                return JournalError(.locked, "the journal \(path) is in use by another infusiond (pid \(pid)); one daemon per pump")
            }
            let text = Array("\(getpid())\n".utf8)
            _ = ftruncate(descriptor, 0)
            _ = pwrite(descriptor, text, text.count, 0)
            held[lockPath] = descriptor
            return nil
        }
        if let failure { throw failure }
    }
}
