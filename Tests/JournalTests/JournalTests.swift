import Foundation
import InfusionTestSupport
import InfusionCore
import Journal
import Testing

/// The journal on its own: chain, ledger, restore, failure and corruption (JOURNAL-001..004).
@Suite("Journal")
struct JournalTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var path: String { directory + "/journal.sqlite" }

    func event(_ type: String, at nanoseconds: Int64, boot: Int64 = 1, details: String = "") -> JournalEvent {
        JournalEvent(wallTime: "2026-11-23T10:00:00Z", controlNanoseconds: nanoseconds, boot: boot, uid: 1000, pid: 42, role: "operator", type: type, details: details)
    }

    @Test("events chain by hash; verify finds an edited, an inserted, a deleted and a cut-off event")
    func chainDetectsTampering() throws {
        let journal = try Journal(path: path)
        for index in 1...20 { try journal.append(event("command", at: Int64(index), details: "start \(index)")) }
        #expect(try journal.verify() == 20)

        try sqlite("UPDATE event SET details = 'stop 7' WHERE id = 7")
        #expect(throws: JournalError.self) { try journal.verify() }
        try sqlite("UPDATE event SET details = 'start 7' WHERE id = 7")
        #expect(try journal.verify() == 20, "restored, it verifies again")

        try sqlite("INSERT INTO event (wall_time, control_ns, boot, type, details, hash) VALUES ('2026-11-23T10:00:00Z', 21, 1, 'command', 'bolus', 'forged')")
        let inserted = #expect(throws: JournalError.self) { try journal.verify() }
        #expect(inserted?.message.contains("event 21") == true)
        try sqlite("DELETE FROM event WHERE id = 21")

        try sqlite("DELETE FROM event WHERE id = 12")
        let missing = #expect(throws: JournalError.self) { try journal.verify() }
        #expect(missing?.kind == .chainBroken)
        #expect(missing?.message.contains("12") == true)
    }

    /// A client's words reach the log (an unknown command is logged with its name), so a NUL, which
    /// SQLite's text reads cut short, or the hash's own field separator must not break the chain.
    @Test("control characters in an event are stored escaped: the chain verifies and no field can imitate the separator")
    func controlCharactersAreEscaped() throws {
        let journal = try Journal(path: path)
        try journal.append(event("command", at: 1, details: "unknown command \"\u{0}stop\""))
        try journal.append(event("command\u{1F}x", at: 2, details: "a\u{1F}b\u{7F}\r\n\tc é"))
        #expect(try journal.verify() == 2)
        let stored = try journal.newestEvents(limit: 2)
        #expect(stored.map(\.event.details) == ["unknown command \"\\u{0}stop\"", "a\\u{1F}b\\u{7F}\\u{D}\\u{A}\\u{9}c é"])
        #expect(stored[1].event.type == "command\\u{1F}x")
    }

    @Test("the newest events come back oldest first, without the rest")
    func newestEventsAreTheTail() throws {
        let journal = try Journal(path: path)
        for index in 1...30 { try journal.append(event("command", at: Int64(index), details: "\(index)")) }
        #expect(try journal.newestEvents(limit: 5).map(\.id) == [26, 27, 28, 29, 30])
        #expect(try journal.newestEvents(limit: 100).count == 30)
    }

    @Test("cutting the newest events off the end is found through the recorded head")
    func chainDetectsTruncation() throws {
        let journal = try Journal(path: path)
        for index in 1...5 { try journal.append(event("command", at: Int64(index))) }
        try sqlite("DELETE FROM event WHERE id >= 4")
        let cut = #expect(throws: JournalError.self) { try journal.verify() }
        #expect(cut?.message.contains("cut off") == true)
    }

    @Test("the oldest events are pruned past the retention, and the chain still verifies from its new start")
    func retentionKeepsTheChain() throws {
        let journal = try Journal(path: path, retainedEvents: 500)
        // An hour of control time apart: all but the last week's (168 of them) may go.
        let hour: Int64 = 3_600_000_000_000
        for index in 1...2_100 { try journal.append(event("tick", at: Int64(index) * hour)) }
        let kept = try journal.verify()
        #expect(kept >= 500 && kept < 1_600, "pruned every 1 000 appends down to 500: \(kept) kept")
        #expect(try journal.events(after: 0, limit: 1).first?.id == 2_100 - Int64(kept) + 1)
    }

    @Test("the ledger restores the rolling windows and the program total across a reopen")
    func ledgerSurvivesRestart() throws {
        let second: Int64 = 1_000_000_000
        do {
            let journal = try Journal(path: path)
            try journal.commitLedger(Picograms(5_000), at: 10 * second, program: 1)
            try journal.commitLedger(Picograms(7_000), at: 1_000 * second, program: 2)
            try journal.commitLedger(Picograms(11_000), at: 5_000 * second, program: 2)
        }
        let reopened = try Journal(path: path)
        #expect(reopened.boot == 2)
        var ledger = DoseLedger(startingAt: ControlInstant(nanoseconds: 0))
        let totals = try reopened.restore(into: &ledger, program: 2)
        #expect(totals.lifetime == Picograms(23_000))
        #expect(totals.program == Picograms(18_000))
        #expect(ledger.programTotal == Picograms(18_000))
        #expect(ledger.delivered(in: .oneHour) == Picograms(11_000), "1 000 s is outside the hour ending at 5 000 s")
        #expect(ledger.delivered(in: .fourHours) == Picograms(23_000))
        #expect(try reopened.lastControlNanoseconds().value == 5_000 * second)
        #expect(totals.findings.isEmpty, "\(totals.findings)")
    }

    @Test("the saved state, the control time and events by control time read back after a reopen; a negative ledger amount is refused")
    func stateAndTimeSurviveReopen() throws {
        do {
            let journal = try Journal(path: path)
            try journal.saveState(#"{"state":"running"}"#, at: 42)
            try journal.saveState(#"{"state":"paused"}"#, at: 43)
            try journal.saveControlTime(9_000)
            for index in 1...5 { try journal.append(event("command", at: Int64(index) * 100)) }
            let negative = #expect(throws: JournalError.self) { try journal.commitLedger(Picograms(-1), at: 9_000, program: 1) }
            #expect(negative?.message.contains("negative") == true)
        }
        let reopened = try Journal(path: path)
        let state = try reopened.savedState()
        #expect(state?.value == #"{"state":"paused"}"# && state?.problem == nil, "the last saved state replaces the one before")
        #expect(try reopened.lastControlNanoseconds().value == 9_000)
        #expect(try reopened.events(sinceControl: 300).map(\.event.controlNanoseconds) == [300, 400, 500])
        var ledger = DoseLedger()
        #expect(try reopened.restore(into: &ledger, program: 1).lifetime == .zero, "the refused amount left nothing behind")
    }

    @Test("a full database refuses the write with a 'full' error and keeps what it had")
    func fullDatabaseIsAnError() throws {
        let journal = try Journal(path: path, maximumPages: 24)
        var failure: JournalError?
        var written = 0
        for index in 1...5_000 {
            do {
                try journal.append(event("command", at: Int64(index), details: String(repeating: "x", count: 200)))
                written += 1
            } catch {
                failure = error
                break
            }
        }
        #expect(failure?.kind == .full, "\(failure.map(String.init(describing:)) ?? "no failure after \(written) events")")
        #expect(try journal.verify() == written, "everything written before the failure is intact")
    }

    @Test("an unreadable journal is moved aside and kept, and a fresh one opened, lost")
    func unreadableIsMovedAside() throws {
        // An SQLite database whose pages are damaged: the header says SQLite, the rest is noise.
        let damaged = Data("SQLite format 3\u{0}".utf8) + Data(repeating: 0x5A, count: 8_176)
        try damaged.write(to: URL(fileURLWithPath: path))
        let opening = try JournalOpening.open(at: path, suffix: "test")
        guard case .lost(let journal, let reasons) = opening else {
            Issue.record("a damaged database opened as a journal")
            return
        }
        let kept = path + ".unreadable-test"
        #expect(reasons.contains { $0.contains("could not be read") && $0.contains(kept) }, "\(reasons)")
        #expect(FileManager.default.fileExists(atPath: kept))
        #expect(try Data(contentsOf: URL(fileURLWithPath: kept)) == damaged, "kept as it was")
        #expect(try journal.verify() == 0)
    }

    /// Issue 15: a `paths.journal` naming a file that is not a journal at all was renamed, and a
    /// journal created in its place. A configuration error is refused, and the file left alone.
    @Test("a file that is not an SQLite database at the journal's path is refused and left alone")
    func notAJournalIsLeftAlone() throws {
        try Data(repeating: 0x5A, count: 8_192).write(to: URL(fileURLWithPath: path))
        let refused = #expect(throws: JournalError.self) { try JournalOpening.open(at: path, suffix: "test") }
        #expect(refused?.message.contains("not a journal") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 0x5A, count: 8_192))
        #expect(!FileManager.default.fileExists(atPath: path + ".unreadable-test"))
    }

    /// Edits the database behind the journal's back, as a tamperer with the sqlite3 tool would.
    private func sqlite(_ statement: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", path, statement]
        try launch(process)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 sqlite3 failed on \(statement)")
    }
}
