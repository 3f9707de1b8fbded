import ControlProtocol
import Foundation
import Glibc
import Testing

/// What every journal fault must lead to, whatever broke the disk (DESIGN.md rule 3).
extension DaemonRig {
    /// Waits for `journal_failure`, then checks that delivery stopped and stays stopped: at 60×
    /// a wall second is a minute of flow (0.04 mL at 2.45 mL/h) had the plunger gone on. The
    /// simulated patient still receives what the line's compliance held: physics, not motion.
    func expectDeliveryStoppedByJournalFailure() throws -> StatusReport {
        try waitUntil("journal_failure raised", within: 20) { try self.status().alarms.contains { $0.id == "journal_failure" } }
        let stopped = try status()
        #expect(stopped.state == "stopped_by_alarm", "\(stopped.state)")
        #expect(stopped.rateMlPerH == 0)
        usleep(1_000_000)
        let later = try status()
        #expect(later.syringeRemainingMl == stopped.syringeRemainingMl, "the plunger moved after journal_failure")
        #expect(later.ledgerMg == stopped.ledgerMg)
        #expect((later.programLedgerMg ?? 0) >= later.deliveredMl * 10, "the ledger is below the steps taken")
        return stopped
    }

    /// Once the disk takes writes again: the alarm acknowledged and reset, the chain whole.
    func expectRecoveryFromJournalFailure() throws {
        #expect(ctl("ack").status == 0)
        try waitUntil("reset accepted once the journal writes again", within: 20) { self.ctl("reset").status == 0 }
        let verify = ctl("history", "--verify")
        #expect(verify.status == 0 && verify.output.contains("chain verified"), "\(verify.status): \(verify.output) \(verify.error)")
    }
}
