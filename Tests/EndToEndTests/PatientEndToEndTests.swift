import ControlProtocol
import Foundation
import Glibc
import InfusionTestSupport
import Testing

/// A patient on the line through the daemon and infusionctl (issue 14): new-patient and its
/// refusals, one weight, a program given once and latched alarms kept across kill -9, and the
/// drug library recorded with every program.
@Suite("End to end: the patient, the program given once, the library on record")
struct PatientEndToEndTests {
    @Test("new-patient is refused while a program is under way and while the line is on; after an unload it starts the caps afresh and status shows the patient")
    func newPatientThroughTheDaemon() throws {
        let rig = try DaemonRig()
        try rig.start()
        try rig.program(duration: "4 h")
        #expect(rig.ctl("start").status == 0)
        try rig.waitUntil("some drug is given", within: 10) { try (rig.status().ledgerMg ?? 0) > 0.5 }
        let underWay = rig.ctl("new-patient", "--weight", "80 kg", "--id", "MRN-0002")
        #expect(underWay.status == 3 && underWay.error.contains("under way"), "\(underWay.status) \(underWay.error)")
        #expect(rig.ctl("stop").status == 0)
        let onLine = rig.ctl("new-patient", "--weight", "80 kg", "--id", "MRN-0002")
        #expect(onLine.status == 3 && onLine.error.contains("line"), "\(onLine.status) \(onLine.error)")
        let stopped = try rig.status()
        #expect(stopped.lineOnPatient == true && stopped.patient?.weightKg == 70)
        #expect(rig.ctl("prime", "1 mL").status == 3, "no prime into the patient's line")
        #expect(rig.ctl("unload-syringe").status == 0)
        #expect(rig.ctl("new-patient", "--weight", "80 kg", "--id", "bad|id").status == 2, "an id HL7 would split is a usage error")
        let accepted = rig.ctl("new-patient", "--weight", "80 kg", "--id", "MRN-0002")
        #expect(accepted.status == 0, "\(accepted.error)")
        let status = try rig.status()
        #expect(status.patient == StatusReport.Patient(weightKg: 80, id: "MRN-0002", number: 2), "\(String(describing: status.patient))")
        #expect(status.lastHourMg == 0 && status.lastDayMg == 0, "the previous patient's drug no longer counts")
        #expect(rig.ctl("load-syringe", "BD Plastipak 50 mL").status == 0)
        let otherWeight = rig.ctl(
            "program", "--drug", "ketamine", "--concentration", "10 mg/mL", "--weight", "70 kg", "--dose", "0.35 mg/kg/h", "--duration", "1 h")
        #expect(otherWeight.status == 3 && otherWeight.error.contains("80 kg") && otherWeight.error.contains("PATIENT-002"), "\(otherWeight.error)")
        let history = rig.ctl("history", "--limit", "100").output
        #expect(history.contains("new_patient 80 kg id MRN-0002: done"), "\(history)")
        #expect(rig.stop() == 0)
    }

    @Test("a program is checked against the library named in the log, and --check-config shows its version and SHA-256")
    func libraryIsOnRecord() throws {
        let library = try RepositoryFiles.library()
        let rig = try DaemonRig()
        try rig.initialiseJournal()
        let check = Process()
        check.executableURL = rig.executable
        check.arguments = ["--check-config", rig.directory + "/infusiond.toml"]
        let output = Pipe()
        check.standardOutput = output
        try launch(check)
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
        #expect(printed.contains(library.version) && printed.contains("sha256 \(library.checksum)"), "\(printed)")
        try rig.start()
        try rig.program(duration: "1 h")
        let history = rig.ctl("history").output
        #expect(history.contains("checked against drug library \(library.version), sha256 \(library.checksum)"), "\(history)")
        #expect(rig.stop() == 0)
    }

    @Test("kill -9 after a completed program and with a latched, acknowledged alarm: the restart comes back completed, the alarm kept, and start is refused")
    func aRestartComesBackAsItWas() throws {
        let rig = try DaemonRig(scale: 600)
        try rig.start()
        try rig.program(duration: "2 min")
        #expect(rig.ctl("start").status == 0)
        try rig.waitUntil("the program completes", within: 20) { try rig.status().state == "completed" }
        #expect(rig.ctl("simulate", "disengage").status == 0)
        try rig.waitUntil("syringe_disengaged", within: 5) { try rig.status().alarms.contains { $0.id == "syringe_disengaged" } }
        #expect(rig.ctl("simulate", "engage").status == 0)
        #expect(rig.ctl("ack", "syringe_disengaged").status == 0)
        // The progress is saved within a second of a change; give the journal thread its turn.
        try rig.waitUntil("the acknowledgement is saved", within: 5) {
            (try? rig.journalState())?.contains("\"acknowledged\":true") == true
        }
        rig.stop(signal: SIGKILL)
        try rig.start()
        let restored = try rig.status()
        #expect(restored.state == "completed", "\(restored.state)")
        let alarm = restored.alarms.first { $0.id == "syringe_disengaged" }
        #expect(alarm?.acknowledged == true, "\(restored.alarms)")
        #expect(!restored.alarms.contains { $0.id == "restarted_during_infusion" }, "nothing was under way")
        let start = rig.ctl("start")
        #expect(start.status == 3, "a completed program is not given again: \(start.status) \(start.error)")
        #expect(rig.stop() == 0)
    }
}

extension DaemonRig {
    /// The saved progress as the journal holds it (the state table's body).
    func journalState() throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select body from state').fetchone()[0])",
            journalDirectory + "/journal.sqlite",
        ]
        let output = Pipe()
        process.standardOutput = output
        try launch(process)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }
}
