import Foundation
import GRDB
import InfusionCore

/// One ledger record as stored, with what authenticates it.
struct LedgerRecord {
    var id: Int64
    var controlNanoseconds: Int64
    var picograms: Int64
    var program: Int64
    var patient: Int64
    /// The pump's lifetime total after this record, and the program's: MAC'd, so the totals a
    /// restart needs come from one authenticated record, not from summing history.
    var totalAfter: Int64
    var programTotalAfter: Int64
    var mac: String
}

extension LedgerRecord {
    init(_ row: Row) {
        id = row["id"]
        controlNanoseconds = row["control_ns"]
        picograms = row["picograms"]
        program = row["program"]
        patient = row["patient"]
        totalAfter = row["total_after"]
        programTotalAfter = row["program_total_after"]
        mac = row["mac"]
    }

    /// The fields the MAC covers, chained to the record before (its MAC, or "" for the first).
    func authenticated(after previous: String) -> [String] {
        [
            "ledger", String(id), String(controlNanoseconds), String(picograms), String(program), String(patient), String(totalAfter),
            String(programTotalAfter), previous,
        ]
    }
}

extension Journal {
    /// Records `amount` of drug as commanded (or about to be) at `controlNanoseconds`, for
    /// `program` and `patient`. Durable when it returns: this is the write-ahead of DESIGN.md rule 5.
    /// The record carries the totals after it and a MAC chained to the record before.
    public func commitLedger(_ amount: Picograms, at controlNanoseconds: Int64, program: Int64, patient: Int64 = 0) throws(JournalError) {
        // The ledger only ever adds (DoseLedger): a negative amount is a caller's error, refused.
        guard amount.value >= 0 else { throw JournalError(.other, "refusing a negative ledger amount (\(amount.value) pg)") }
        guard amount.value > 0 else { return }
        try write("writing the ledger") { db in
            let last = try Row.fetchOne(db, sql: "SELECT * FROM ledger ORDER BY id DESC LIMIT 1").map(LedgerRecord.init)
            let programBefore = last?.program == program ? last?.programTotalAfter ?? 0
                : try Int64.fetchOne(db, sql: "SELECT program_total_after FROM ledger WHERE program = ? ORDER BY id DESC LIMIT 1", arguments: [program]) ?? 0
            if let last, last.id >= Int64(1) << 62 {
                throw JournalError(.corrupt, "the ledger's newest id \(last.id) is out of range: the journal was edited")
            }
            var record = LedgerRecord(
                id: (last?.id ?? 0) + 1, controlNanoseconds: controlNanoseconds, picograms: amount.value, program: program, patient: patient,
                totalAfter: (last?.totalAfter ?? 0) &+ amount.value, programTotalAfter: programBefore &+ amount.value, mac: "")
            record.mac = mac(record.authenticated(after: last?.mac ?? ""))
            try db.execute(
                sql: """
                    INSERT INTO ledger (id, control_ns, picograms, program, patient, total_after, program_total_after, mac)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, record.controlNanoseconds, record.picograms, record.program, record.patient, record.totalAfter,
                    record.programTotalAfter, record.mac,
                ])
            try saveControlTime(controlNanoseconds, in: db)
        }
    }

    /// Rebuilds the rolling windows and `program`'s total from the records, so caps hold across a
    /// restart, and checks every record it relies on (DESIGN.md rule 11).
    ///
    /// The windows come from the records of the last 24 h (and a second), the patient's alone (a
    /// new patient's caps do not count an earlier patient's drug: rule 10; records from before
    /// patients were recorded, patient 0, count for every patient: the safe side). The program's
    /// total and the pump's lifetime total come from the MAC'd totals of one record each, so no
    /// history older than a day need be read. Every record read must carry its MAC and chain to
    /// the one before; the newest must hold the sum of all. What does not is a finding in the
    /// answer, and the daemon raises journal_lost on it: the totals are then what the records
    /// say, never zero, but no longer trusted.
    public func restore(into ledger: inout DoseLedger, program: Int64?, patient: Int64 = 0) throws(JournalError) -> LedgerTotals {
        try read("restoring the ledger") { db in
            var findings: [String] = []
            let newest = try Row.fetchOne(db, sql: "SELECT * FROM ledger ORDER BY id DESC LIMIT 1").map(LedgerRecord.init)
            if let newest, newest.id >= Int64(1) << 62 { findings.append("the ledger's newest id \(newest.id) is out of range") }
            let latest = newest?.controlNanoseconds ?? 0
            let (since, before) = latest.subtractingReportingOverflow(86_402 * 1_000_000_000)
            if before { findings.append("the newest ledger record's control time \(latest) ns is out of range") }
            let first = try Int64.fetchOne(db, sql: "SELECT MIN(id) FROM ledger WHERE control_ns >= ?", arguments: [since])
            var windowed = Picograms.zero
            var suspect = Picograms.zero
            var previous = ""
            var previousControl = Int64.min
            var previousTotal: Int64 = 0
            // The record just before the day's first is checked too: its time is what keeps it, and
            // every record before it, out of the windows. Records moved back in time by hand once
            // left 1.2 mg in the windows where 140 mg had been given, with no alarm (red team,
            // issue 15 F1). Control time only grows along the ids, so with it authentic, every
            // earlier record is older still.
            if let first, first > 1,
                let before = try Row.fetchOne(db, sql: "SELECT * FROM ledger WHERE id = ?", arguments: [first &- 1]).map(LedgerRecord.init)
            {
                let beforeThat = try String.fetchOne(db, sql: "SELECT mac FROM ledger WHERE id = ?", arguments: [first &- 2]) ?? ""
                if mac(before.authenticated(after: beforeThat)) != before.mac {
                    findings.append("ledger record \(before.id), the last before the day's, does not match its MAC: records may have been moved out of the windows")
                    // Their true times are unknown: every record back to the last authentic one
                    // counts as given just now, the safe side.
                    suspect = try suspectRecords(endingAt: before, db)
                }
                previous = before.mac
                previousControl = before.controlNanoseconds
                previousTotal = before.totalAfter
            }
            if let first, first > 1, try Int64.fetchOne(db, sql: "SELECT id FROM ledger WHERE id = ?", arguments: [first - 1]) == nil {
                findings.append("ledger record \(first &- 1) is missing")
            }
            var expectedID = first ?? 0
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM ledger WHERE id >= ? ORDER BY id", arguments: [first ?? Int64.max])
            while let row = try rows.next() {
                let record = LedgerRecord(row)
                let authentic = mac(record.authenticated(after: previous)) == record.mac
                if findings.count < 8 {
                    if record.id != expectedID { findings.append("ledger records \(expectedID)…\(record.id &- 1) are missing") }
                    if !authentic { findings.append("ledger record \(record.id) does not match its MAC: edited, or not this journal's") }
                    if record.controlNanoseconds < previousControl {
                        findings.append("ledger record \(record.id) is earlier than the record before it")
                    }
                }
                // A record that fails its MAC counts as the larger of what it says and what the
                // running totals around it say: an edit that shrank it (picograms / 1024 once
                // left 0.031 mg in the windows for 31.8 mg given: red team, issue 15 F8) does not
                // shrink the caps' count.
                let said = authentic ? record.picograms : max(record.picograms, record.totalAfter &- previousTotal)
                expectedID = record.id &+ 1
                previous = record.mac
                previousControl = record.controlNanoseconds
                previousTotal = record.totalAfter
                guard record.patient == 0 || record.patient == patient else { continue }
                // No record holds more than a syringe: one that does was edited or corrupted, and
                // it counts as the most one can hold (a hand-edited Int64.max trapped the ledger's
                // sums at every start: red team, issue 14 F7). Past a kilogram every cap is
                // reached, so nothing more is added and the sums cannot overflow.
                var amount = said
                if amount < 0 || amount > Self.largestRecord.value {
                    if findings.count < 8 { findings.append("ledger record \(record.id) holds \(amount) pg, more than a syringe") }
                    amount = amount < 0 ? 0 : Self.largestRecord.value
                }
                var at = record.controlNanoseconds
                if !(0...Self.maximumControlNanoseconds).contains(at) {
                    if findings.count < 8 { findings.append("ledger record \(record.id) is at control time \(at) ns, out of range") }
                    at = min(max(at, 0), Self.maximumControlNanoseconds)
                }
                guard windowed < Self.beyondEveryCap else { continue }
                ledger.record(Picograms(amount), at: ControlInstant(nanoseconds: at))
                windowed = windowed + Picograms(amount)
            }
            var programTotal = Picograms.zero
            if let program,
                let last = try Row.fetchOne(db, sql: "SELECT * FROM ledger WHERE program = ? ORDER BY id DESC LIMIT 1", arguments: [program])
                    .map(LedgerRecord.init)
            {
                if last.id < (first ?? .max) {
                    let before = try String.fetchOne(db, sql: "SELECT mac FROM ledger WHERE id = ?", arguments: [last.id &- 1]) ?? ""
                    if mac(last.authenticated(after: before)) != last.mac {
                        findings.append("ledger record \(last.id), the program's last, does not match its MAC")
                    }
                }
                programTotal = Picograms(max(0, last.programTotalAfter))
            }
            // What the windows restored counts for the program too (their program part is in
            // `programTotal` already): begin the program afresh with its total.
            if suspect > .zero {
                ledger.record(suspect, at: ControlInstant(nanoseconds: min(max(latest, 0), Self.maximumControlNanoseconds)))
                windowed = windowed + suspect
            }
            ledger.advance(to: ControlInstant(nanoseconds: latest))
            ledger.restoreProgramTotal(programTotal)
            // TOTAL, not SUM: SQLite's SUM stops with an error on an Int64 overflow.
            let sum = Int64(saturating: try Double.fetchOne(db, sql: "SELECT TOTAL(picograms) FROM ledger") ?? 0)
            if let newest, newest.totalAfter != sum {
                findings.append("the ledger's records sum to \(sum) pg but its newest says \(newest.totalAfter) pg: records were changed or removed")
            }
            return LedgerTotals(
                lifetime: Picograms(max(sum, newest?.totalAfter ?? 0)), program: programTotal, lastTwentyFourHours: windowed,
                latestControlNanoseconds: latest, findings: findings)
        }
    }

    /// What the records from `last` back to the newest authentic one before it hold (each the
    /// larger of what it says and what the running totals say), bounded: past a kilogram every cap
    /// is reached.
    func suspectRecords(endingAt last: LedgerRecord, _ db: Database) throws -> Picograms {
        var sum = Picograms.zero
        var record = last
        while sum < Self.beyondEveryCap {
            let previous = try Row.fetchOne(db, sql: "SELECT * FROM ledger WHERE id = ?", arguments: [record.id &- 1]).map(LedgerRecord.init)
            if mac(record.authenticated(after: previous?.mac ?? "")) == record.mac { break }
            let amount = max(record.picograms, record.totalAfter &- (previous?.totalAfter ?? 0))
            sum = sum + Picograms(min(max(amount, 0), Self.largestRecord.value))
            guard let previous else { break }
            record = previous
        }
        return sum
    }

    /// The most one record can hold: 60 mL of 1000 mg/mL (the library's strongest concentration,
    /// LIB-003), with room.
    static var largestRecord: Picograms { Picograms(100_000_000_000_000) }
    /// A kilogram: more than any cap the library allows (LIB-003).
    static var beyondEveryCap: Picograms { Picograms(1_000_000_000_000_000) }

    /// The newest ledger record's id, lifetime total and MAC: what the seal holds.
    func ledgerHead(_ db: Database) throws -> (id: Int64, total: Int64, mac: String) {
        guard let newest = try Row.fetchOne(db, sql: "SELECT * FROM ledger ORDER BY id DESC LIMIT 1").map(LedgerRecord.init) else {
            return (0, 0, "")
        }
        return (newest.id, newest.totalAfter, newest.mac)
    }

    /// Computes every ledger record's MAC again under this journal's key, in order: an admin's
    /// acceptance of a journal found lost makes what it holds the record from here on.
    func reauthenticateLedger(_ db: Database) throws {
        var previous = ""
        var total: Int64 = 0
        var programTotals: [Int64: Int64] = [:]
        let records = try Row.fetchAll(db, sql: "SELECT * FROM ledger ORDER BY id").map(LedgerRecord.init)
        for var record in records {
            total &+= max(0, record.picograms)
            programTotals[record.program, default: 0] &+= max(0, record.picograms)
            record.totalAfter = total
            record.programTotalAfter = programTotals[record.program] ?? 0
            record.mac = mac(record.authenticated(after: previous))
            previous = record.mac
            try db.execute(
                sql: "UPDATE ledger SET total_after = ?, program_total_after = ?, mac = ? WHERE id = ?",
                arguments: [record.totalAfter, record.programTotalAfter, record.mac, record.id])
        }
    }
}

/// What the ledger's records add up to, for the daemon's start-up log and status, and what in
/// them could not be trusted.
public struct LedgerTotals: Hashable, Sendable {
    public var lifetime: Picograms
    public var program: Picograms
    public var lastTwentyFourHours: Picograms
    public var latestControlNanoseconds: Int64
    /// Records missing, edited or out of order: each one is a reason for journal_lost.
    public var findings: [String] = []
}
