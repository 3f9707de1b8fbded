import Foundation
import GRDB
import InfusionCore

extension Journal {
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
            if id % 1_000 == 0 { try self.prune(db, now: event.controlNanoseconds) }
            return id
        }
    }

    /// The chain's starting point: the hash of the last event pruned, or empty for a new journal.
    static func anchor(_ db: Database) throws -> String {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'anchor'") ?? ""
    }

    /// From here on the events are the present patient's: pruning never removes them (issue 15).
    public func markPatientStart() throws(JournalError) {
        try write("marking the patient's first event") { db in
            let next = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM event") ?? 0) + 1
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('patient_since_event', ?)", arguments: [String(next)])
        }
    }

    /// The first event of the present patient, as ``markPatientStart()`` set it, or nil.
    public func patientStartEvent() throws(JournalError) -> Int64? {
        try read("reading the patient's first event") { db in
            try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'patient_since_event'")
        }
    }

    /// Keeps at least the newest `retainedEvents`, and every event of the present patient and of
    /// the last ``protectedAge``; older ones go, oldest first, the last pruned hash kept as the
    /// chain's anchor so it still verifies from its new start. A flood of events (twelve
    /// reconnecting clients wrote 140 700 in 40 s once, and pushed the program commands out) can
    /// only grow the log now, never shorten the record that matters.
    func prune(_ db: Database, now: Int64) throws {
        guard let newest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM event") else { return }
        let patientSince = try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'patient_since_event'") ?? 0
        let protectedSince = try Int64.fetchOne(
            db, sql: "SELECT MIN(id) FROM event WHERE control_ns >= ?", arguments: [now &- Self.protectedAge.nanoseconds]) ?? newest
        let firstKept = min(newest - retainedEvents + 1, patientSince == 0 ? newest : patientSince, protectedSince)
        guard let lastPruned = try String.fetchOne(db, sql: "SELECT hash FROM event WHERE id < ? ORDER BY id DESC LIMIT 1", arguments: [firstKept])
        else { return }
        try db.execute(sql: "DELETE FROM event WHERE id < ?", arguments: [firstKept])
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('anchor', ?)", arguments: [lastPruned])
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('anchor_mac', ?)", arguments: [mac(["anchor", lastPruned])])
    }

    /// Chains every event again from the anchor, in order, and authenticates the anchor: an admin's
    /// acceptance of a journal found lost makes what the log holds the record from here on (the
    /// acceptance itself is the next event, with its reason).
    func rechain(_ db: Database) throws {
        var previous = try Self.anchor(db)
        if !previous.isEmpty {
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('anchor_mac', ?)", arguments: [mac(["anchor", previous])])
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM event ORDER BY id") {
            let stored = Self.stored(row)
            let hash = stored.event.chainHash(after: previous)
            if hash != stored.hash { try db.execute(sql: "UPDATE event SET hash = ? WHERE id = ?", arguments: [hash, stored.id]) }
            previous = hash
        }
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('head', ?)", arguments: [previous])
    }

    /// Events with id above `after`, oldest first, at most `limit`.
    public func events(after: Int64 = 0, limit: Int = 1_000) throws(JournalError) -> [StoredEvent] {
        try read("reading events") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit]).map(Self.stored)
        }
    }

    /// The newest `limit` events, oldest first: what `infusionctl history` shows by default,
    /// without reading the whole log to keep its tail.
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

    /// How many events the log holds, and of which types: for the retention tests and status.
    public func eventCount(type: String? = nil) throws(JournalError) -> Int {
        try read("counting events") { db in
            if let type { return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE type = ?", arguments: [type]) ?? 0 }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0
        }
    }

    static func stored(_ row: Row) -> StoredEvent {
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
        let outcome: Result<Int, JournalError> = try read("verifying") { db in try verifyChain(db) }
        return try outcome.get()
    }

    /// The chain from its anchor to its head: every event's hash, the head the last; and the anchor itself authenticated, so events cut from the start with the anchor
    /// moved after them are found (red team, issue 15 F5). Run at every start as well as by
    /// `history --verify`.
    func verifyChain(_ db: Database) throws -> Result<Int, JournalError> {
        var previous = try Self.anchor(db)
        if !previous.isEmpty, try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'anchor_mac'") != mac(["anchor", previous]) {
            return .failure(JournalError(.chainBroken, "the event log's anchor does not match its MAC: events were cut from its start"))
        }
        var count = 0
        var previousID: Int64?
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM event ORDER BY id")
        // An event removed from the middle breaks the hash of the one after it; ids need not be
        // consecutive (an admin's acceptance chains again what is left, gaps and all).
        while let row = try cursor.next() {
            let stored = Self.stored(row)
            guard stored.event.chainHash(after: previous) == stored.hash else {
                if let previousID, stored.id != previousID &+ 1 {
                    return .failure(
                        JournalError(.chainBroken, "events \(previousID &+ 1)…\(stored.id &- 1) are missing: event \(stored.id) does not chain to event \(previousID)"))
                }
                return .failure(JournalError(.chainBroken, "event \(stored.id) (\(stored.event.type)) does not match its hash"))
            }
            previous = stored.hash
            previousID = stored.id
            count += 1
        }
        let head = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'head'")
        if let head, head != previous {
            return .failure(
                JournalError(
                    .chainBroken,
                    "the chain ends at event \(previousID.map(String.init) ?? "none") but the head recorded is later: events were cut off its end"))
        }
        return .success(count)
    }
}
