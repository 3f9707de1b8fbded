import Foundation
import GRDB
import InfusionCore

/// The daemon's durable memory: the event log (hash-chained), the dose ledger written ahead of the
/// motor (DESIGN.md rule 5), the current program and state, and the control-time base that
/// survives restarts (rule 9). One SQLite database in WAL mode with synchronous=FULL: a write
/// that returned is on the disk.
///
/// Every ledger record, the saved state and the control time carry an HMAC-SHA256 under the key
/// in the journal's seal (``JournalSeal``), and the ledger's records chain: a value edited by hand
/// is found at the next start (DESIGN.md rule 11), and ``JournalOpening`` decides what follows.
///
/// Never called from the control tick. Every method may throw a ``JournalError``; the daemon
/// answers any of them by stopping delivery with the journal-failure alarm.
public final class Journal: Sendable {
    public let path: String
    /// This start's number, counting from 1; stored, so events from different boots are told apart.
    public let boot: Int64
    /// Events kept at least: beyond this the oldest are pruned, and the chain re-anchored, but never
    /// an event of the present patient or of the last ``protectedAge`` of control time.
    public let retainedEvents: Int64
    /// A flood of events cannot push out the record of the last seven days (issue 15).
    public static let protectedAge = ControlDuration.hours(24 * 7)
    let queue: DatabaseQueue
    let key: SHA256.HMACKey
    let keyHex: String

    /// Opens the journal at `path`, or creates an empty one there, authenticating its records
    /// with `key` (32 bytes). Throws `.corrupt` for a file that is not a readable journal.
    /// Creating one is for ``initialise(at:)`` and for tests; the daemon goes through
    /// ``JournalOpening``, which never starts from a journal it did not find sealed.
    public init(path: String, key: [UInt8], retainedEvents: Int64 = 100_000, maximumPages: Int? = nil) throws(JournalError) {
        self.path = path
        self.retainedEvents = retainedEvents
        self.key = SHA256.HMACKey(key)
        keyHex = SHA256.hex(key)
        var configuration = Configuration()
        configuration.busyMode = .timeout(0.5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if let maximumPages { try db.execute(sql: "PRAGMA max_page_count = \(maximumPages)") }
        }
        queue = try Self.access("opening \(path)") { try DatabaseQueue(path: path, configuration: configuration) }
        let queue = queue
        let check = try Self.access("checking \(path)") { try queue.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") } }
        guard check == "ok" else { throw JournalError(.corrupt, "quick_check: \(check ?? "no answer")") }
        try Self.access("migrating \(path)") { try JournalSchema.migrator.migrate(queue) }
        boot = try Self.access("counting boots") {
            try queue.write { db in
                // A counter edited to the end of Int64 once trapped here at every start (red team,
                // issue 15 F6): one out of range starts again from 1; it only labels events.
                let stored = try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'boot'") ?? 0
                let next = (0..<(Int64(1) << 62)).contains(stored) ? stored + 1 : 1
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('boot', ?)", arguments: [String(next)])
                return next
            }
        }
    }

    /// A journal with no seal, its records authenticated under a fixed key: for tests and tools
    /// that open the same file again. The daemon never uses it (``JournalOpening``).
    public convenience init(path: String, retainedEvents: Int64 = 100_000, maximumPages: Int? = nil) throws(JournalError) {
        try self.init(path: path, key: Self.unsealedKey, retainedEvents: retainedEvents, maximumPages: maximumPages)
    }

    public static let unsealedKey = [UInt8](repeating: 0, count: 32)

    /// The identity the journal was initialised with (nil for a file that never was: an empty
    /// or a new one).
    public func identity() throws(JournalError) -> String? {
        try read("reading the identity") { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'journal_id'") }
    }

    func setIdentity(_ id: String) throws(JournalError) {
        try write("writing the identity") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_id', ?)", arguments: [id])
        }
    }

    /// The MAC of `fields` under the journal's key, the fields joined by U+001F.
    func mac(_ fields: [String]) -> String { key.authenticate(Array(fields.joined(separator: "\u{1F}").utf8)) }

    // MARK: - Access

    func write<T>(_ what: String, _ body: (Database) throws -> T) throws(JournalError) -> T {
        try Self.access(what) { try queue.write(body) }
    }

    func read<T>(_ what: String, _ body: (Database) throws -> T) throws(JournalError) -> T {
        try Self.access(what) { try queue.read(body) }
    }

    /// Runs one database operation, turning whatever SQLite or GRDB throws into a classified
    /// ``JournalError`` that says what was being done.
    static func access<T>(_ what: String, _ operation: () throws -> T) throws(JournalError) -> T {
        do {
            return try operation()
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(error, doing: what)
        }
    }
}
