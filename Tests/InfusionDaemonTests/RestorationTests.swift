import ControlProtocol
import Foundation
import InfusionCore
import InfusionDaemon
import InfusionTestSupport
import Journal
import Testing

/// What a start restores from the journal (PATIENT-004) and what it refuses to start with (LIB-004).
@Suite("Restoration at start")
struct RestorationTests {
    static func restore(_ journal: Journal) throws -> Restoration {
        let library = try RepositoryFiles.library()
        return try Restoration.restore(
            from: journal, settings: ControllerSettings(), validator: ProgramValidator(library: library),
            syringes: try RepositoryFiles.syringes(), at: ControlInstant(nanoseconds: 5_000_000_000))
    }

    /// Issue 14, finding 7: an unreadable saved state came back with no syringe, no program and
    /// no alarm: an infusion under way was forgotten.
    @Test("a saved state that cannot be read comes back stopped with restarted_during_infusion, and says why")
    func unreadableSavedStateRaisesRestartedDuringInfusion() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        try rig.journal.saveState("{\"syringe\": \"BD Plastipak 50 mL\", \"state\": \"runn", at: 1_000)
        let restored = try Self.restore(rig.journal)
        #expect(restored.controller.alarms.isActive(.restartedDuringInfusion))
        #expect(restored.controller.state == .noSyringe)
        #expect(restored.notes.contains { $0.contains("could not be read") }, "\(restored.notes)")
        // A state this build does not know, with a latched alarm it does not know either.
        var progress = SavedProgress.empty
        progress.state = "levitating"
        progress.alarms = [SavedProgress.SavedAlarm(name: "gremlins", raisedControlNs: 1, acknowledged: false)]
        try rig.journal.saveState(String(decoding: try JSONEncoder().encode(progress), as: UTF8.self), at: 2_000)
        let unknown = try Self.restore(rig.journal)
        #expect(unknown.controller.alarms.isActive(.restartedDuringInfusion))
        #expect(unknown.notes.contains { $0.contains("gremlins") } && unknown.notes.contains { $0.contains("levitating") }, "\(unknown.notes)")
    }

    @Test("a controller's state and latched alarms round-trip through the journal's saved progress")
    func savedProgressRoundTrips() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        var progress = SavedProgress.empty
        progress.syringe = "BD Plastipak 50 mL"
        progress.fillMl = 50
        progress.state = "fault"
        progress.patient = SavedProgress.SavedPatient(weightKg: 70, id: "MRN-1", number: 3)
        progress.patientConcentrationMgPerMl = 10
        progress.alarms = [SavedProgress.SavedAlarm(name: "delivery_mismatch", raisedControlNs: 4_000_000_000, acknowledged: true)]
        try rig.journal.saveState(String(decoding: try JSONEncoder().encode(progress), as: UTF8.self), at: 4_000_000_000)
        let restored = try Self.restore(rig.journal)
        #expect(restored.controller.state == .fault)
        #expect(restored.controller.patient == Patient(weight: Kilograms(70), id: "MRN-1", number: 3))
        #expect(restored.controller.lineOnPatient)
        let record = restored.controller.alarms.record(.deliveryMismatch)
        #expect(record.isActive && record.acknowledged && record.raisedAt == ControlInstant(nanoseconds: 4_000_000_000))
        #expect(restored.controller.alarms.isActive(.restartedDuringInfusion), "a fault is restarted as under way")
    }

    /// A saved program of 10 mg/mL for 70 kg, under way on a syringe started with `onLine`.
    static func underWay(concentration: String = "10 mg/mL", weight: String = "70 kg", onLine: Double? = 10) -> SavedProgress {
        var progress = SavedProgress.empty
        progress.syringe = "BD Plastipak 50 mL"
        progress.fillMl = 50
        progress.state = "stopped_by_alarm"
        progress.patient = SavedProgress.SavedPatient(weightKg: 70, id: nil, number: 1)
        progress.patientConcentrationMgPerMl = onLine
        progress.program = ProgramArguments(drug: "ketamine", concentration: concentration, weight: weight, dose: "0.35 mg/kg/h", duration: "4 h")
        progress.programNumber = 1
        progress.programPhase = "under_way"
        progress.lineMayBeConnected = true
        return progress
    }

    static func restore(_ progress: SavedProgress, into rig: WriterRig) throws -> Restoration {
        try rig.journal.saveState(String(decoding: try JSONEncoder().encode(progress), as: UTF8.self), at: 1_000)
        return try restore(rig.journal)
    }

    /// Red team, issue 14 F8: a program edited to 1 mg/mL on a 10 mg/mL line was restored and ran
    /// ten times the drug; one edited to 150 kg for a 70 kg patient was restored with its caps.
    @Test("a saved program that disagrees with the drug on the line or the patient's weight is not restored, and distrusted")
    func inconsistentProgramIsNotRestored() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        let consistent = try Self.restore(Self.underWay(), into: rig)
        #expect(consistent.controller.program != nil && consistent.distrust.isEmpty, "\(consistent.distrust)")
        for progress in [Self.underWay(concentration: "1 mg/mL"), Self.underWay(weight: "150 kg")] {
            let restored = try Self.restore(progress, into: rig)
            #expect(restored.controller.program == nil, "\(progress.program?.concentration ?? "") \(progress.program?.weight ?? "")")
            #expect(restored.distrust.contains { $0.contains("the saved program is for") }, "\(restored.distrust)")
            #expect(restored.controller.alarms.isActive(.restartedDuringInfusion))
        }
    }

    /// Third red team, issue 17: a restart forgot what the oximeter last showed, and charted normal
    /// values then released a stop with its last SpO2 at 78 %.
    @Test("what the oximeter last showed comes back from the journal; a sign this build does not know is distrusted")
    func oximeterMemoryIsRestored() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        var progress = Self.underWay()
        progress.oximeterCritical = ["spo2"]
        progress.oximeterBeyondWarning = ["spo2", "heart_rate"]
        let restored = try Self.restore(progress, into: rig)
        let expected = OximeterMemory(beyondWarning: VitalSign.spo2.bit | VitalSign.heartRate.bit, critical: VitalSign.spo2.bit)
        #expect(restored.controller.persistentState.oximeterMemory == expected)
        #expect(restored.distrust.isEmpty, "\(restored.distrust)")
        progress.oximeterCritical = ["spo3"]
        let edited = try Self.restore(progress, into: rig)
        #expect(edited.distrust.contains { $0.contains("spo3") }, "\(edited.distrust)")
        #expect(edited.controller.alarms.isActive(.restartedDuringInfusion))
    }

    /// Red team, issue 14 F8: with the drug on the line removed from the saved state, the line came
    /// back off the patient and a prime went into it. The flag that asks for the technician's word
    /// is kept apart, and a journal without it asks.
    @Test("a prime after a restart needs the line said off, whether or not the saved state says a patient was connected")
    func primeAfterRestoreNeedsTheWord() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        var progress = Self.underWay(onLine: nil)
        progress.lineMayBeConnected = nil
        progress.program = nil
        progress.programPhase = nil
        progress.state = "syringe_loaded"
        var restored = try Self.restore(progress, into: rig).controller
        #expect(restored.state == .syringeLoaded && !restored.lineOnPatient && restored.lineMayBeConnected)
        #expect((try? restored.handle(.prime(Millilitres(1)), at: ControlInstant(nanoseconds: 6_000_000_000)).get()) == nil)
    }

    /// Red team, issue 14 F7: numbers no pump holds trapped the daemon at every start.
    @Test("numbers no pump holds are replaced by the safe ones and named")
    func implausibleNumbersAreNamed() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        var progress = Self.underWay()
        progress.programDeliveredMl = 1e17
        progress.primedMl = -1
        progress.netSteps = -5
        progress.patient?.weightKg = 1e308
        let restored = try Self.restore(progress, into: rig)
        for named in ["program delivery", "saved prime", "plunger position", "patient weight"] {
            #expect(restored.distrust.contains { $0.contains(named) }, "\(named): \(restored.distrust)")
        }
        #expect(restored.controller.programDeliveredVolume.value >= 1e6 - 1, "reads as given in full")
        #expect(restored.controller.primedVolume == .zero && restored.controller.syringe?.netSteps == 0)
        var huge = Self.underWay()
        huge.fillMl = 1e308
        let dropped = try Self.restore(huge, into: rig)
        #expect(dropped.controller.syringe == nil && !dropped.distrust.isEmpty, "\(dropped.distrust)")
    }

    /// LIB-004: the daemon built its settings and never validated them, so the tests of unsafe
    /// settings tested code the daemon did not run.
    @Test("the daemon validates its controller settings at start, naming the one at fault")
    func settingsAreValidatedAtStart() throws {
        var configuration = DaemonConfiguration(
            hardware: .simulator(timeScale: 1, fill: Millilitres(50)), drugLibrary: "", syringes: "", socket: "", socketGroup: "", journal: "")
        #expect(throws: Never.self) { try Daemon.controllerSettings(for: configuration) }
        configuration.pausedCallBack = .zero
        do {
            _ = try Daemon.controllerSettings(for: configuration)
            Issue.record("a zero call-back was accepted")
        } catch {
            #expect(error.description.contains("paused_call_back"), "\(error)")
        }
    }
}
