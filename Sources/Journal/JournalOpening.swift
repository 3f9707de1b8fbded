import Foundation
import InfusionCore

/// How the journal came up at start (DESIGN.md rule 11). A journal is created only by an
/// explicit first initialisation (``Journal/initialise(at:)``); after that, one that is missing,
/// empty, replaced, rolled back or unreadable is never silently replaced or trusted: the daemon
/// starts stopped with journal_lost, and delivery waits for an admin's acceptance.
public enum JournalOpening: Sendable {
    /// The journal this pump was initialised with, matching its seal.
    case trusted(Journal)
    /// A journal to go on with (the one found, or a fresh one beside the remains of the old), and
    /// why it cannot be trusted. The seal is left as it was: the evidence stays until accepted.
    case lost(Journal, reasons: [String])

    public var journal: Journal {
        switch self {
        case .trusted(let journal), .lost(let journal, _): journal
        }
    }

    public var lossReasons: [String] {
        if case .lost(_, let reasons) = self { return reasons }
        return []
    }

    /// Opens the journal at `path` against its seal. Throws `.uninitialised` when neither is
    /// there (a pump never initialised, or both removed: a person must decide), and the failures
    /// a fresh file would meet as well (no space, no permission). A journal that cannot be read is
    /// moved to `path.unreadable-SUFFIX` (with its WAL and shared memory) and kept.
    public static func open(at path: String, suffix: String, retainedEvents: Int64 = 100_000) throws(JournalError) -> JournalOpening {
        try JournalLock.take(forJournal: path)
        let sealPath = JournalSeal.path(forJournal: path)
        var reasons: [String] = []
        var seal: JournalSeal?
        do {
            seal = try JournalSeal.read(at: sealPath)
        } catch {
            reasons.append("\(error)")
        }
        var isDirectory: ObjCBool = false
        let journalThere = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if isDirectory.boolValue { throw JournalError(.other, "\(path) is a directory, not a journal") }
        // A file that is not even an SQLite database is not the pump's journal at all (a wrong
        // path in the configuration): refused, never renamed (issue 15: it once was moved aside).
        if journalThere, let handle = FileHandle(forReadingAtPath: path) {
            let header = (try? handle.read(upToCount: 16)) ?? Data()
            try? handle.close()
            if !header.isEmpty, header != Data("SQLite format 3\u{0}".utf8) {
                throw JournalError(.other, "\(path) is not a journal (not an SQLite database); check paths.journal: refusing to touch it")
            }
        }
        if !journalThere, seal == nil, reasons.isEmpty {
            throw JournalError(
                .uninitialised, "there is no journal at \(path) and no seal: initialise the pump's journal once with infusiond --init-journal")
        }
        // The key new records are authenticated with: the seal's, or a new one until an admin
        // accepts (which writes it into a new seal).
        var generator = SystemRandomNumberGenerator()
        let key = seal?.keyBytes ?? (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        if seal == nil, reasons.isEmpty { reasons.append("the journal's seal \(sealPath) is missing") }
        if !journalThere { reasons.append("the journal \(path) is missing") }
        let journal: Journal
        do {
            journal = try Journal(path: path, key: key, retainedEvents: retainedEvents)
        } catch let error where error.kind == .corrupt {
            let kept = "\(path).unreadable-\(suffix)"
            for extra in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + extra) {
                do {
                    try FileManager.default.moveItem(atPath: path + extra, toPath: kept + extra)
                } catch {
                    throw JournalError(.io, "cannot move the unreadable journal \(path + extra) aside: \(error)")
                }
            }
            reasons.append("the journal could not be read (\(error)); it is kept at \(kept)")
            return .lost(try Journal(path: path, key: key, retainedEvents: retainedEvents), reasons: reasons)
        }
        if let seal, journalThere {
            reasons += try journal.mismatches(with: seal)
        } else if journalThere, try journal.identity() == nil {
            reasons.append("the journal has no identity: it is empty, or not the one initialised here")
        }
        return reasons.isEmpty ? .trusted(journal) : .lost(journal, reasons: reasons)
    }
}
