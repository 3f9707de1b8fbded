import ControlProtocol
import Foundation
import Glibc
import InfusionTestSupport
import Testing

/// A journal that knows itself, through the daemon (issue 15, finding 1): killed mid-infusion,
/// then its journal emptied, deleted, stripped of its WAL or edited by hand, the daemon comes up
/// stopped with journal_lost, delivers nothing until an admin accepts the journal (logged), and
/// once accepted comes up clean.
@Suite("End to end: a journal lost")
struct JournalLossEndToEndTests {
    /// A rig infusing for a while, then killed with -9.
    static func killedMidInfusion() throws -> DaemonRig {
        let rig = try DaemonRig()
        try rig.start()
        try rig.program(duration: "4 h")
        #expect(rig.ctl("start").status == 0)
        let seal = rig.journalDirectory + "/journal.sqlite.seal"
        try rig.waitUntil("some drug is given and sealed", within: 20) {
            (try rig.status().ledgerMg ?? 0) > 1 && FileManager.default.fileExists(atPath: seal)
        }
        // The seal is rewritten once a second: wait for one written after that drug.
        let sealed = try Data(contentsOf: URL(fileURLWithPath: seal))
        try rig.waitUntil("a newer seal", within: 10) { (try? Data(contentsOf: URL(fileURLWithPath: seal))) != sealed }
        rig.stop(signal: SIGKILL)
        return rig
    }

    static func sqlite(_ rig: DaemonRig, _ statement: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
            rig.journalDirectory + "/journal.sqlite", statement,
        ]
        try launch(process)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
    }

    @Test(
        "emptied, deleted, stripped of its WAL, or a ledger record edited: the restart is stopped with journal_lost, and nothing starts until an admin accepts",
        arguments: ["emptied", "deleted", "wal-deleted", "ledger-edited"])
    func lostJournalStopsThePump(how: String) throws {
        let rig = try Self.killedMidInfusion()
        let journal = rig.journalDirectory + "/journal.sqlite"
        switch how {
        case "emptied":
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: journal + suffix) }
            try Data().write(to: URL(fileURLWithPath: journal))
        case "deleted":
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: journal + suffix) }
        case "wal-deleted":
            try FileManager.default.removeItem(atPath: journal + "-wal")
        default:
            // Issue 15: this edit once restored 0.076 mg instead of 78 mg, and history --verify passed.
            try Self.sqlite(rig, "UPDATE ledger SET picograms = picograms / 1024")
        }
        try rig.start(initialising: false)
        let status = try rig.status()
        #expect(status.alarms.contains { $0.id == "journal_lost" }, "\(how): \(status.alarms.map(\.id))")
        #expect(status.state != "running" && status.rateMlPerH == 0, "\(how): \(status.state)")
        for command in ["reset", "resume", "start"] { #expect(rig.ctl(command).status != 0, "\(how): \(command) accepted with the journal lost") }
        let history = rig.ctl("history", "--limit", "50").output
        #expect(history.contains("journal_lost:"), "\(how): the reason is not in the log: \(history)")
        // A restart before anyone accepts: still lost.
        rig.stop()
        try rig.start(initialising: false)
        #expect(try rig.status().alarms.contains { $0.id == "journal_lost" }, "\(how): forgotten across a restart")
        let accepted = rig.ctl("accept-journal", "--reason", "test: the chart says 0.7 mg")
        #expect(accepted.status == 0, "\(how): \(accepted.error)")
        #expect(rig.ctl("reset").status == 0, "\(how): the alarm resets once accepted")
        #expect(rig.ctl("history", "--limit", "20").output.contains("accept_journal: test: the chart says 0.7 mg: done"))
        rig.stop()
        try rig.start(initialising: false)
        #expect(
            try !rig.status().alarms.contains { $0.id == "journal_lost" },
            "\(how): still lost after acceptance: \(rig.ctl("history", "--limit", "300").output.split(separator: "\n").filter { $0.contains("journal_lost") }.suffix(2))")
        #expect(rig.stop() == 0)
    }

    /// Red team, issue 14 F7: each of these edits trapped the daemon at every start, a crash loop
    /// under systemd. Now each comes up stopped with journal_lost, answering.
    @Test(
        "an impossible ledger record or saved number is distrusted and survived, never trapped on",
        arguments: [
            "UPDATE ledger SET picograms = 9223372036854775807 WHERE id = (SELECT MAX(id) FROM ledger)",
            "UPDATE ledger SET picograms = 5000000000000000000 WHERE id >= (SELECT MAX(id) - 1 FROM ledger)",
            "UPDATE ledger SET control_ns = -9223372036854775808 WHERE id = (SELECT MAX(id) FROM ledger)",
            "UPDATE state SET body = json_set(body, '$.programDeliveredMl', 1e17)",
            "UPDATE state SET body = json_set(body, '$.fillMl', 1e308, '$.netSteps', -5, '$.primedMl', -1)",
        ])
    func impossibleValuesAreSurvived(edit: String) throws {
        let rig = try Self.killedMidInfusion()
        try Self.sqlite(rig, edit)
        try rig.start(initialising: false)
        let status = try rig.status()
        #expect(status.alarms.contains { $0.id == "journal_lost" }, "\(status.alarms.map(\.id))")
        #expect(status.state != "running" && status.rateMlPerH == 0, "\(status.state)")
        #expect(rig.ctl("resume").status != 0)
        #expect(rig.stop() == 0)
    }

    /// Issue 15 finding 4: a corrupt persisted control time trapped at start, a crash loop.
    @Test("a corrupt control time is moved aside with journal_lost, never trapped on", arguments: ["9223372036854775807", "abc", "-1"])
    func corruptControlTime(value: String) throws {
        let rig = try Self.killedMidInfusion()
        try Self.sqlite(rig, "UPDATE meta SET value = '\(value)' WHERE key = 'control_ns'")
        try rig.start(initialising: false)
        let status = try rig.status()
        #expect(status.alarms.contains { $0.id == "journal_lost" }, "\(status.alarms.map(\.id))")
        #expect((status.controlTimeS ?? 0) > 0 && (status.controlTimeS ?? 0) < 1e9, "control time \(status.controlTimeS ?? -1) s")
        #expect(rig.stop() == 0)
    }

    @Test("a second daemon started on a running pump's configuration is refused (exit 75, naming the first), and the first keeps its socket (red team F3)")
    func secondDaemonIsRefused() throws {
        let rig = try DaemonRig()
        try rig.start()
        try rig.program(duration: "1 h")
        #expect(rig.ctl("start").status == 0)
        let second = try DaemonRig.run(rig.executable.lastPathComponent, ["--config", rig.directory + "/infusiond.toml", "--no-real-time"])
        #expect(second.status == 75, "exit \(second.status): \(second.said)")
        #expect(second.said.contains("in use by another infusiond"), "\(second.said)")
        #expect(rig.ctl("pause").status == 0, "the first daemon can still be paused")
        #expect(try rig.status().state == "paused")
        #expect(rig.stop() == 0)
    }

    @Test("a pump whose journal was never initialised does not start: exit 78, saying how to initialise it")
    func uninitialisedDoesNotStart() throws {
        let rig = try DaemonRig()
        let process = Process()
        process.executableURL = rig.executable
        process.arguments = ["--config", rig.directory + "/infusiond.toml", "--no-real-time"]
        let errors = Pipe()
        process.standardError = errors
        try launch(process)
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 78)
        #expect(said.contains("--init-journal"), "\(said)")
        #expect(!FileManager.default.fileExists(atPath: rig.journalDirectory + "/journal.sqlite"), "nothing begun")
    }
}
