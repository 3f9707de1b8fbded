import ControlProtocol
import Foundation
import Glibc
import Testing

/// The journal's disk failing under a running infusion: every write and sync in the journal's
/// directory returns EIO (the test-only `JournalIOFaultShim`, preloaded) while a trigger file
/// exists. Delivery must stop with `journal_failure`, and what the journal had committed before
/// must survive, through the failure and a restart.
@Suite("End to end: the journal's disk returns EIO")
struct JournalIOErrorEndToEndTests {
    @Test("an I/O error under the journal stops delivery with journal_failure; what was committed survives the failure and a restart")
    func ioErrorStopsDelivery() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("infusiond-eio-\(UUID().uuidString.prefix(8))").path
        let journalDirectory = base + "/journal"
        let trigger = base + "/failing"
        try FileManager.default.createDirectory(atPath: journalDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let shim = DaemonRig.buildDirectory.appendingPathComponent("libJournalIOFaultShim.so").path
        let rig = try DaemonRig(
            scale: 60, journalDirectory: journalDirectory, preload: shim,
            environment: ["INFUSIOND_EIO_TRIGGER": trigger, "INFUSIOND_EIO_DIR": journalDirectory])
        try rig.start()
        try rig.program(duration: "4 h")
        #expect(rig.ctl("start").status == 0)
        try rig.waitUntil("delivery under way", within: 20) { try rig.status().deliveredMl > 0.01 }
        let beforeFailure = try rig.status()

        #expect(FileManager.default.createFile(atPath: trigger, contents: nil))
        let stopped = try rig.expectDeliveryStoppedByJournalFailure()
        #expect((stopped.ledgerMg ?? 0) >= (beforeFailure.ledgerMg ?? .infinity), "the ledger went back")

        // The disk answers again.
        try FileManager.default.removeItem(atPath: trigger)
        try rig.expectRecoveryFromJournalFailure()
        #expect(rig.stop(signal: SIGTERM) == 0)
        let log = String(decoding: rig.daemonOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let failure = log.split(separator: "\n").first { $0.contains("journal") && $0.contains("I/O") }
        #expect(failure != nil, "the log names the I/O error: \(log.suffix(3_000))")
        print("journal EIO: \(failure ?? "(not logged)")")

        // Nothing committed was lost: the restarted daemon's ledger covers what the stopped one held.
        try rig.start()
        let restarted = try rig.status()
        #expect((restarted.ledgerMg ?? 0) >= (stopped.ledgerMg ?? .infinity), "ledger \(restarted.ledgerMg ?? 0) after the restart, \(stopped.ledgerMg ?? 0) before")
        let reverified = rig.ctl("history", "--verify")
        #expect(reverified.status == 0, "\(reverified.output) \(reverified.error)")
        // The events of the failure itself were taken from the loop while every append failed:
        // they are written once the disk answers, not lost with the failed batch.
        let history = rig.ctl("history", "--limit", "10000").output.split(separator: "\n")
        #expect(history.contains { $0.contains("alarm_raised") && $0.contains("journal_failure") }, "\(history.suffix(20))")
        #expect(rig.stop(signal: SIGTERM) == 0)
    }
}
