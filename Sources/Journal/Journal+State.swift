import Foundation
import GRDB
import InfusionCore

/// A value the journal read back, and whether its MAC held.
public enum JournalReading<Value: Sendable>: Sendable {
    case trusted(Value)
    /// The value was there but not as the daemon wrote it: edited, corrupt, or out of range. The
    /// daemon moves it aside and raises journal_lost; `value` is what may be used instead.
    case untrusted(Value, reason: String)

    public var value: Value {
        switch self {
        case .trusted(let value), .untrusted(let value, _): value
        }
    }

    public var problem: String? {
        if case .untrusted(_, let reason) = self { return reason }
        return nil
    }
}

extension Journal {
    /// The largest control time a journal may hold: about 146 years of nanoseconds, far from where
    /// adding a second or a period to it could overflow (a corrupt control time once trapped at
    /// start, a crash loop instead of an alarm: issue 15).
    public static let maximumControlNanoseconds: Int64 = 1 << 62

    /// The last control time the journal knows of: the daemon's clock starts from here after a
    /// restart, so no window is shortened by a reboot (DESIGN.md rule 9). One that is unreadable,
    /// out of range or not authenticated is untrusted, and the latest control time any record
    /// holds is answered instead: never earlier than what was written.
    public func lastControlNanoseconds() throws(JournalError) -> JournalReading<Int64> {
        try read("reading the control time") { db in
            let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'control_ns'")
            let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'control_mac'")
            guard let text else { return .trusted(try latestRecordedControl(db)) }
            guard let value = Int64(text), value >= 0, value <= Self.maximumControlNanoseconds else {
                return .untrusted(try latestRecordedControl(db), reason: "the control time \(text.debugDescription) is not a control time")
            }
            guard stored == mac(["control", text]) else {
                return .untrusted(max(value, try latestRecordedControl(db)), reason: "the control time \(text) does not match its MAC")
            }
            // Saved in the same transaction as every ledger record, so never behind the newest: an
            // older pair put back is found (red team, issue 15 F2).
            let newestLedger = try Int64.fetchOne(db, sql: "SELECT control_ns FROM ledger ORDER BY id DESC LIMIT 1") ?? 0
            guard value >= newestLedger else {
                return .untrusted(try latestRecordedControl(db), reason: "the control time \(text) is behind the ledger's newest record (\(newestLedger) ns): an older one put back")
            }
            return .trusted(value)
        }
    }

    /// The latest control time any record carries, within range.
    private func latestRecordedControl(_ db: Database) throws -> Int64 {
        let candidates = [
            try Int64.fetchOne(db, sql: "SELECT MAX(control_ns) FROM ledger WHERE control_ns BETWEEN 0 AND ?", arguments: [Self.maximumControlNanoseconds]),
            try Int64.fetchOne(db, sql: "SELECT MAX(control_ns) FROM event WHERE control_ns BETWEEN 0 AND ?", arguments: [Self.maximumControlNanoseconds]),
            try Int64.fetchOne(db, sql: "SELECT control_ns FROM state WHERE id = 1 AND control_ns BETWEEN 0 AND ?", arguments: [Self.maximumControlNanoseconds]),
        ]
        return candidates.compactMap { $0 }.max() ?? 0
    }

    public func saveControlTime(_ nanoseconds: Int64) throws(JournalError) {
        try write("saving the control time") { db in try saveControlTime(nanoseconds, in: db) }
    }

    func saveControlTime(_ nanoseconds: Int64, in db: Database) throws {
        let text = String(nanoseconds)
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('control_ns', ?)", arguments: [text])
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('control_mac', ?)", arguments: [mac(["control", text])])
    }

    /// Replaces the saved program and state (the daemon's own encoding), authenticated.
    public func saveState(_ body: String, at controlNanoseconds: Int64) throws(JournalError) {
        try write("saving the state") { db in
            let ledgerID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM ledger") ?? 0
            try db.execute(
                sql: "INSERT OR REPLACE INTO state (id, control_ns, body, mac, ledger_id) VALUES (1, ?, ?, ?, ?)",
                arguments: [controlNanoseconds, body, stateMAC(control: controlNanoseconds, body: body, ledgerID: ledgerID), ledgerID])
        }
    }

    func stateMAC(control: Int64, body: String, ledgerID: Int64) -> String {
        mac(["state", String(control), body, String(ledgerID)])
    }

    /// Ledger records a saved state may trail by: the state is saved within a second of every
    /// change and the ledger written every 100 ms, so a state this far behind was put back.
    static let staleStateRecords: Int64 = 100

    /// The saved state: nil when none was ever saved; untrusted when it does not match its MAC.
    public func savedState() throws(JournalError) -> JournalReading<String>? {
        try read("reading the state") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT control_ns, body, mac, ledger_id FROM state WHERE id = 1") else { return nil }
            let control: Int64 = row["control_ns"]
            let body: String = row["body"]
            let stored: String = row["mac"]
            let ledgerID: Int64 = row["ledger_id"]
            guard stored == stateMAC(control: control, body: body, ledgerID: ledgerID) else {
                return .untrusted(body, reason: "the saved state does not match its MAC: edited, or not this journal's")
            }
            let newest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM ledger") ?? 0
            if newest &- ledgerID > Self.staleStateRecords {
                return .untrusted(body, reason: "the saved state is \(newest &- ledgerID) ledger records behind the ledger: an older state put back")
            }
            return .trusted(body)
        }
    }

    /// Keeps a value the journal could not trust where a person can find it (the quarantine
    /// table), before the daemon goes on without it: never silently dropped, never trapped on.
    public func quarantine(_ what: String, _ body: String) throws(JournalError) {
        try write("moving \(what) aside") { db in
            try db.execute(
                sql: "INSERT INTO quarantine (wall_time, what, body) VALUES (?, ?, ?)", arguments: [Date.now.ISO8601Format(), what, body])
        }
    }

    public func quarantined() throws(JournalError) -> [(what: String, body: String)] {
        try read("reading the quarantine") { db in
            try Row.fetchAll(db, sql: "SELECT what, body FROM quarantine ORDER BY id").map { ($0["what"], $0["body"]) }
        }
    }
}
