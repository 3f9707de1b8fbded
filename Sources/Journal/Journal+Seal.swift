import Foundation
import GRDB
import InfusionCore

extension Journal {
    /// Creates the journal at `path` and its seal, for a pump's first start (`infusiond
    /// --init-journal`). Refuses when either is there already: a journal is never replaced by a
    /// fresh one except by a person who removed the old one first.
    public static func initialise(at path: String) throws(JournalError) -> Journal {
        let sealPath = JournalSeal.path(forJournal: path)
        for existing in [path, sealPath] where FileManager.default.fileExists(atPath: existing) {
            throw JournalError(.other, "\(existing) exists already: a journal is initialised once; move it away first to begin another")
        }
        let id = UUID().uuidString
        let seal = JournalSeal.fresh(journalID: id)
        guard let key = seal.keyBytes else { throw JournalError(.other, "cannot make a key") }
        let journal = try Journal(path: path, key: key)
        try journal.setIdentity(id)
        try journal.saveControlTime(0)
        try seal.write(to: sealPath)
        return journal
    }

    /// The seal as it should be now: this journal's identity and key, its newest ledger record and
    /// event. Answers nil for a journal with no identity.
    func currentSeal() throws(JournalError) -> JournalSeal? {
        try read("reading the seal's figures") { db in
            guard let id = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'journal_id'") else { return nil }
            let ledger = try ledgerHead(db)
            let event = try Row.fetchOne(db, sql: "SELECT id, hash FROM event ORDER BY id DESC LIMIT 1")
            return JournalSeal(
                journalID: id, key: keyHex, ledgerID: ledger.id, ledgerTotal: ledger.total, ledgerMAC: ledger.mac,
                eventID: event?["id"] ?? 0, eventHash: event?["hash"] ?? "", wallTime: Date.now.ISO8601Format())
        }
    }

    /// Writes the seal for what the journal holds now. The daemon calls it after its records are
    /// durable, at most once a second, and never while the journal is lost: the old seal is then
    /// the evidence, until an admin accepts the loss.
    public func seal() throws(JournalError) {
        guard let seal = try currentSeal() else { throw JournalError(.other, "the journal has no identity to seal") }
        try seal.write(to: JournalSeal.path(forJournal: path))
    }

    /// Why this journal does not match `seal`, or nothing: another journal's identity, records
    /// the seal saw that are gone (a WAL lost, a copy restored), an event chain cut back.
    func mismatches(with seal: JournalSeal) throws(JournalError) -> [String] {
        try read("checking the journal against its seal") { db in
            var reasons: [String] = []
            let id = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'journal_id'")
            guard let id else { return ["the journal has no identity: it is empty, or not the one initialised here"] }
            guard id == seal.journalID else { return ["the journal is \(id), its seal names \(seal.journalID): it was replaced"] }
            if seal.ledgerID > 0 {
                let row = try Row.fetchOne(db, sql: "SELECT total_after, mac FROM ledger WHERE id = ?", arguments: [seal.ledgerID])
                if row == nil {
                    reasons.append("ledger record \(seal.ledgerID), the seal's last, is gone: the journal was rolled back")
                } else if let row, (row["mac"] as String) != seal.ledgerMAC || (row["total_after"] as Int64) != seal.ledgerTotal {
                    reasons.append("ledger record \(seal.ledgerID) is not the one sealed")
                }
            }
            if case .failure(let broken) = try verifyChain(db) { reasons.append("the event log: \(broken.message)") }
            if let newest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM event"), newest >= Int64(1) << 62 {
                reasons.append("the event log's newest id \(newest) is out of range: no event can follow it; move the journal aside and initialise a new one")
            }
            if seal.eventID > 0 {
                let newest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM event") ?? 0
                if newest < seal.eventID {
                    reasons.append("the event log ends at \(newest) but the seal saw \(seal.eventID): events were lost")
                } else if let hash = try String.fetchOne(db, sql: "SELECT hash FROM event WHERE id = ?", arguments: [seal.eventID]),
                    hash != seal.eventHash
                {
                    reasons.append("event \(seal.eventID) is not the one sealed")
                }
            }
            return reasons
        }
    }

    /// An admin's acceptance of a journal found lost (`accept-journal`): what it holds becomes the
    /// record from here on. Every ledger record, the state and the control time are authenticated
    /// again under this journal's key, the identity set if it had none, and the seal written.
    public func acceptAsIs() throws(JournalError) {
        try write("accepting the journal") { db in
            if try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'journal_id'") == nil {
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_id', ?)", arguments: [UUID().uuidString])
            }
            try reauthenticateLedger(db)
            if let row = try Row.fetchOne(db, sql: "SELECT control_ns, body FROM state WHERE id = 1") {
                let control: Int64 = row["control_ns"]
                let body: String = row["body"]
                let ledgerID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM ledger") ?? 0
                try db.execute(
                    sql: "UPDATE state SET mac = ?, ledger_id = ? WHERE id = 1",
                    arguments: [stateMAC(control: control, body: body, ledgerID: ledgerID), ledgerID])
            }
            let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'control_ns'")
            if let text, let value = Int64(text), value >= 0, value <= Self.maximumControlNanoseconds {
                let newestLedger = try Int64.fetchOne(db, sql: "SELECT control_ns FROM ledger ORDER BY id DESC LIMIT 1") ?? 0
                try saveControlTime(max(value, min(max(newestLedger, 0), Self.maximumControlNanoseconds)), in: db)
            }
            try rechain(db)
        }
        try seal()
    }
}
