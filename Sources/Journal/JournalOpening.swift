import Foundation

/// How the journal came up at start. A journal that cannot be read is never silently replaced:
/// it is moved aside and kept, a fresh one is opened, and the daemon starts stopped with a high
/// alarm, so no one infuses with totals that look like zero but are not.
public enum JournalOpening: Sendable {
    case opened(Journal)
    case movedAside(Journal, keptAt: String, reason: JournalError)

    public var journal: Journal {
        switch self {
        case .opened(let journal), .movedAside(let journal, _, _): journal
        }
    }

    /// Opens the journal at `path`; if it is corrupt or not a journal, moves it (and its WAL and
    /// shared-memory files) to `path.unreadable-SUFFIX` and opens a new one. Other failures (no
    /// space, no permission) are thrown: a fresh file would fail the same way.
    public static func open(at path: String, suffix: String, retainedEvents: Int64 = 100_000) throws(JournalError) -> JournalOpening {
        do {
            return .opened(try Journal(path: path, retainedEvents: retainedEvents))
        } catch let error where error.kind == .corrupt {
            let kept = "\(path).unreadable-\(suffix)"
            for extra in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + extra) {
                do {
                    try FileManager.default.moveItem(atPath: path + extra, toPath: kept + extra)
                } catch {
                    throw JournalError(.io, "cannot move the unreadable journal \(path + extra) aside: \(error)")
                }
            }
            return .movedAside(try Journal(path: path, retainedEvents: retainedEvents), keptAt: kept, reason: error)
        }
    }
}
