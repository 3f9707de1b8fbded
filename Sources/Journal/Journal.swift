import Foundation
import GRDB
import InfusionCore

/// The daemon's durable memory: the event log (hash-chained), the dose ledger written ahead of the
/// motor (DESIGN.md rule 5), the current program and state, and the control-time base that
/// survives restarts (rule 9). One SQLite database in WAL mode with synchronous=FULL: a write
/// that returned is on the disk.
///
/// Never called from the control tick. Every method may throw a ``JournalError``; the daemon
/// answers any of them by stopping delivery with the journal-failure alarm.
public final class Journal: Sendable {
    public let path: String
    /// This start's number, counting from 1; stored, so events from different boots are told apart.
    public let boot: Int64
    /// Events kept: the oldest beyond this are pruned, and the chain re-anchored.
    public let retainedEvents: Int64
    private let queue: DatabaseQueue

    /// Opens or creates the journal at `path`. Throws `.corrupt` for a file that is not a readable
    /// journal; ``JournalOpening`` decides what to do about it.
    public init(path: String, retainedEvents: Int64 = 100_000, maximumPages: Int? = nil) throws(JournalError) {
        self.path = path
        self.retainedEvents = retainedEvents
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
                let next = (try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'boot'") ?? 0) + 1
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('boot', ?)", arguments: [String(next)])
                return next
            }
        }
    }

    // MARK: - Events

    /// Appends an event to the chain; answers its id. Its text is stored with control characters
    /// escaped (``JournalEvent/escapingControlCharacters()``), and the hash is of what is stored.
    @discardableResult
    public func append(_ unescaped: JournalEvent) throws(JournalError) -> Int64 {
        let event = unescaped.escapingControlCharacters()
        return try write("appending \(event.type)") { db in
            let previous = try String.fetchOne(db, sql: "SELECT hash FROM event ORDER BY id DESC LIMIT 1") ?? Self.anchor(db)
            try db.execute(
                sql: """
                    INSERT INTO event (wall_time, control_ns, boot, uid, pid, role, type, details, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.wallTime, event.controlNanoseconds, event.boot, event.uid, event.pid, event.role, event.type, event.details,
                    event.chainHash(after: previous),
                ])
            // The head is kept apart from the chain, so cutting events off its end shows too.
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('head', ?)", arguments: [event.chainHash(after: previous)])
            let id = db.lastInsertedRowID
            if id % 1_000 == 0 { try self.prune(db) }
            return id
        }
    }

    /// The chain's starting point: the hash of the last event pruned, or empty for a new journal.
    private static func anchor(_ db: Database) throws -> String {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'anchor'") ?? ""
    }

    /// Keeps the newest `retainedEvents`, oldest pruned first, remembering the last pruned hash
    /// so the chain still verifies from its new start.
    private func prune(_ db: Database) throws {
        guard let newest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM event") else { return }
        let firstKept = newest - retainedEvents + 1
        guard let lastPruned = try String.fetchOne(db, sql: "SELECT hash FROM event WHERE id < ? ORDER BY id DESC LIMIT 1", arguments: [firstKept])
        else { return }
        try db.execute(sql: "DELETE FROM event WHERE id < ?", arguments: [firstKept])
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('anchor', ?)", arguments: [lastPruned])
    }

    /// Events with id above `after`, oldest first, at most `limit`.
    public func events(after: Int64 = 0, limit: Int = 1_000) throws(JournalError) -> [StoredEvent] {
        try read("reading events") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit]).map(Self.stored)
        }
    }

    /// The newest `limit` events, oldest first: what `infusionctl history` shows by default,
    /// without reading the whole log (up to its retention of 100 000 events) to keep its tail.
    public func newestEvents(limit: Int) throws(JournalError) -> [StoredEvent] {
        try read("reading events") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.stored).reversed()
        }
    }

    /// Events at or after a control time, oldest first, at most `limit`.
    public func events(sinceControl nanoseconds: Int64, limit: Int = 1_000) throws(JournalError) -> [StoredEvent] {
        try read("reading events") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event WHERE control_ns >= ? ORDER BY id LIMIT ?", arguments: [nanoseconds, limit])
                .map(Self.stored)
        }
    }

    private static func stored(_ row: Row) -> StoredEvent {
        StoredEvent(
            id: row["id"],
            event: JournalEvent(
                wallTime: row["wall_time"], controlNanoseconds: row["control_ns"], boot: row["boot"], uid: row["uid"], pid: row["pid"],
                role: row["role"], type: row["type"], details: row["details"]),
            hash: row["hash"])
    }

    /// Recomputes the whole chain. Answers how many events it checked; throws `.chainBroken`
    /// naming the first event whose hash does not follow from its predecessor and its own fields.
    public func verify() throws(JournalError) -> Int {
        let outcome: Result<Int, JournalError> = try read("verifying") { db in
            var previous = try Self.anchor(db)
            var count = 0
            var previousID: Int64?
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM event ORDER BY id")
            while let row = try cursor.next() {
                let stored = Self.stored(row)
                if let previousID, stored.id != previousID + 1 {
                    return .failure(JournalError(.chainBroken, "events \(previousID + 1)…\(stored.id - 1) are missing"))
                }
                guard stored.event.chainHash(after: previous) == stored.hash else {
                    return .failure(JournalError(.chainBroken, "event \(stored.id) (\(stored.event.type)) does not match its hash"))
                }
                previous = stored.hash
                previousID = stored.id
                count += 1
            }
            let head = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'head'")
            if let head, head != previous {
                return .failure(JournalError(.chainBroken, "the chain ends at event \(previousID.map(String.init) ?? "none") but the head recorded is later: events were cut off its end"))
            }
            return .success(count)
        }
        return try outcome.get()
    }

    // MARK: - Ledger

    /// Records `amount` of drug as commanded (or about to be) at `controlNanoseconds`, for
    /// `program`. Durable when it returns: this is the write-ahead of DESIGN.md rule 5.
    public func commitLedger(_ amount: Picograms, at controlNanoseconds: Int64, program: Int64) throws(JournalError) {
        // The ledger only ever adds (DoseLedger): a negative amount is a caller's error, refused.
        guard amount.value >= 0 else { throw JournalError(.other, "refusing a negative ledger amount (\(amount.value) pg)") }
        guard amount.value > 0 else { return }
        try write("writing the ledger") { db in
            try db.execute(
                sql: "INSERT INTO ledger (control_ns, picograms, program) VALUES (?, ?, ?)",
                arguments: [controlNanoseconds, amount.value, program])
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('control_ns', ?)", arguments: [String(controlNanoseconds)])
        }
    }

    /// Rebuilds the rolling windows and `program`'s total from the records, so caps hold across a
    /// restart. Only records that can still fall in a window (the last 24 h and a second of
    /// control time) and the program's own are read.
    public func restore(into ledger: inout DoseLedger, program: Int64?) throws(JournalError) -> LedgerTotals {
        try read("restoring the ledger") { db in
            let latest = try Int64.fetchOne(db, sql: "SELECT MAX(control_ns) FROM ledger") ?? 0
            let since = latest - 86_402 * 1_000_000_000
            var programTotal = Picograms.zero
            var windowed = Picograms.zero
            let rows = try Row.fetchCursor(
                db, sql: "SELECT control_ns, picograms, program FROM ledger WHERE control_ns >= ? OR program = ? ORDER BY id",
                arguments: [since, program ?? -1])
            var beganProgram = false
            while let row = try rows.next() {
                let amount = Picograms(row["picograms"])
                let at = ControlInstant(nanoseconds: row["control_ns"])
                let ofProgram = (row["program"] as Int64) == program
                if ofProgram, !beganProgram {
                    ledger.beginProgram()
                    beganProgram = true
                }
                ledger.record(amount, at: at)
                if ofProgram { programTotal = programTotal + amount }
                if at.nanoseconds >= since { windowed = windowed + amount }
            }
            let lifetime = Picograms(try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(picograms), 0) FROM ledger") ?? 0)
            return LedgerTotals(lifetime: lifetime, program: programTotal, lastTwentyFourHours: windowed, latestControlNanoseconds: latest)
        }
    }

    // MARK: - State and time

    /// The last control time the journal knows of: the daemon's clock starts from here after a
    /// restart, so no window is shortened by a reboot (DESIGN.md rule 9).
    public func lastControlNanoseconds() throws(JournalError) -> Int64 {
        try read("reading the control time") { db in
            try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'control_ns'") ?? 0
        }
    }

    public func saveControlTime(_ nanoseconds: Int64) throws(JournalError) {
        try write("saving the control time") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('control_ns', ?)", arguments: [String(nanoseconds)])
        }
    }

    /// Replaces the saved program and state (the daemon's own encoding).
    public func saveState(_ body: String, at controlNanoseconds: Int64) throws(JournalError) {
        try write("saving the state") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO state (id, control_ns, body) VALUES (1, ?, ?)", arguments: [controlNanoseconds, body])
        }
    }

    public func savedState() throws(JournalError) -> String? {
        try read("reading the state") { db in try String.fetchOne(db, sql: "SELECT body FROM state WHERE id = 1") }
    }

    // MARK: - Access

    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws(JournalError) -> T {
        try Self.access(what) { try queue.write(body) }
    }

    private func read<T>(_ what: String, _ body: (Database) throws -> T) throws(JournalError) -> T {
        try Self.access(what) { try queue.read(body) }
    }

    /// Runs one database operation, turning whatever SQLite or GRDB throws into a classified
    /// ``JournalError`` that says what was being done.
    private static func access<T>(_ what: String, _ operation: () throws -> T) throws(JournalError) -> T {
        do {
            return try operation()
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(error, doing: what)
        }
    }
}

/// What the ledger's records add up to, for the daemon's start-up log and status.
public struct LedgerTotals: Hashable, Sendable {
    public var lifetime: Picograms
    public var program: Picograms
    public var lastTwentyFourHours: Picograms
    public var latestControlNanoseconds: Int64
}
