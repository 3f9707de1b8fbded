import ControlProtocol
import Foundation
import InfusionCore
import Journal

/// The controller a start begins with: the ledger from the journal's records, everything else
/// from the saved progress (the program validated again), and never delivering (DESIGN.md rule 4).
public struct Restoration: Sendable {
    public var controller: InfusionController
    public var progress: SavedProgress
    /// What was restored or dropped, for the log and the event log.
    public var notes: [String]
    /// Why the journal's contents cannot be trusted (a record or the state edited, records
    /// missing): each is a reason for journal_lost (DESIGN.md rule 11).
    public var distrust: [String]

    public static func restore(
        from journal: Journal, settings: ControllerSettings, validator: ProgramValidator, syringes: SyringeTable,
        at now: ControlInstant
    ) throws(JournalError) -> Restoration {
        var notes: [String] = []
        var distrust: [String] = []
        var progress = SavedProgress.empty
        /// Something was lost that may have been an infusion under way: say so with the alarm
        /// rather than come back as if nothing had happened (issue 14, finding 7).
        var assumeInterrupted = false
        if let reading = try journal.savedState() {
            let body = reading.value
            if let problem = reading.problem {
                // Moved aside, not trusted: the state is read as found (never as nothing), and
                // the journal is lost until an admin accepts it.
                try journal.quarantine("saved state", body)
                distrust.append(problem)
                assumeInterrupted = true
            }
            if let saved = try? JSONDecoder().decode(SavedProgress.self, from: Data(body.utf8)) {
                progress = saved
            } else {
                assumeInterrupted = true
                notes.append("the saved progress could not be read; starting with no syringe and no program, restarted_during_infusion raised since an infusion may have been under way")
            }
            let implausible = progress.makePlausible()
            if !implausible.isEmpty {
                distrust += implausible
                assumeInterrupted = true
            }
        }
        let patient = progress.patient.map { Patient(weight: Kilograms($0.weightKg), id: $0.id, number: $0.number) }
        var ledger = DoseLedger(startingAt: now)
        let totals = try journal.restore(
            into: &ledger, program: progress.program == nil ? nil : progress.programNumber, patient: patient?.number ?? 0)
        notes.append("ledger restored: \(totals.lifetime) over the pump's life, \(totals.lastTwentyFourHours) for this patient in the last 24 h")
        distrust += totals.findings

        var spec: SyringeSpec?
        var syringe: LoadedSyringe?
        if let name = progress.syringe, let fill = progress.fillMl {
            if let found = try? syringes.syringe(named: name), fill <= found.usableVolume.value {
                spec = found
                var loaded = LoadedSyringe(spec: found, fill: Millilitres(fill), mechanics: settings.mechanics)
                // Past the fill reads empty: a syringe that reads fuller than it is would push on.
                loaded.netSteps = min(progress.netSteps, Int64(saturating: fill * loaded.stepsPerMillilitre, rounding: .up))
                loaded.patientConcentration = progress.patientConcentrationMgPerMl.map(MilligramsPerMillilitre.init)
                syringe = loaded
            } else if (try? syringes.syringe(named: name)) != nil {
                distrust.append("saved fill \(fill) mL is more than syringe \(name) holds")
                notes.append("the saved syringe's fill is more than it holds; load one again")
            } else {
                notes.append("syringe \(name) is no longer in the syringe table; load one again")
            }
        }
        var program: ActiveProgram?
        if let text = progress.program, let spec {
            // Validated against an empty ledger: the library's limits must still allow the plan;
            // the caps, with the restored ledger, are the tick's to enforce.
            let phase = progress.programPhase.flatMap(ActiveProgram.Phase.init(rawValue:))
            if let phase, let request = try? text.request(), let plan = validator.validate(request, syringe: spec, ledger: DoseLedger()).plan {
                if let mismatch = Self.mismatch(plan, patient: patient, onLine: syringe?.patientConcentration) {
                    // What the tick would refuse as a command is not restored either (red team,
                    // issue 14 F8: a program edited to 1 mg/mL ran a 10 mg/mL line at 10× the drug).
                    distrust.append("the saved program \(mismatch)")
                    notes.append("the saved program \(mismatch); program again")
                    assumeInterrupted = true
                } else {
                    program = ActiveProgram(plan: plan, phase: phase, loadingBolusBegun: progress.loadingBolusBegun)
                }
            } else {
                notes.append("the saved program (\(text.drug) \(text.dose)) does not pass the drug library in force; program again")
                if progress.programPhase == ActiveProgram.Phase.underWay.rawValue { assumeInterrupted = true }
            }
        }
        let (alarms, unknownAlarms) = progress.latchedAlarms()
        if !unknownAlarms.isEmpty {
            assumeInterrupted = true
            notes.append("latched alarms this build does not know were dropped: \(unknownAlarms.joined(separator: ", "))")
        }
        let state = InfusionState(wireName: progress.state) ?? .noSyringe
        if InfusionState(wireName: progress.state) == nil {
            assumeInterrupted = true
            notes.append("the saved state \(progress.state.debugDescription) is not one this build knows")
        }
        let (charted, chartProblems) = progress.chartedReadings(at: now)
        if !chartProblems.isEmpty {
            // A chart that cannot be one was edited: what the patient showed is unknown.
            distrust += chartProblems
            assumeInterrupted = true
        }
        let (oximeterMemory, unknownSigns) = progress.oximeterMemory()
        if !unknownSigns.isEmpty {
            // Unknown names were edited in or come from another build: what the oximeter last
            // showed cannot be told, so the restart is taken as one mid-infusion.
            distrust.append("saved oximeter levels name signs this build does not know: \(unknownSigns.joined(separator: ", "))")
            assumeInterrupted = true
        }
        let saved = PersistentState(
            ledger: ledger, state: state, alarms: alarms, patient: patient, syringeSpec: spec, syringe: syringe, program: program,
            programDeliveredVolume: Millilitres(progress.programDeliveredMl), primedVolume: Millilitres(progress.primedMl),
            lineMayBeConnected: progress.lineMayBeConnected ?? true, charted: charted, oximeterMemory: oximeterMemory)
        var controller = InfusionController(restoring: saved, settings: settings, at: now)
        if assumeInterrupted { controller.raiseAtStart(.restartedDuringInfusion, at: now) }
        if saved.wasInfusing || assumeInterrupted {
            notes.append("an infusion was or may have been under way: it stays stopped, restarted_during_infusion raised")
        }
        if !alarms.raised.isEmpty { notes.append("latched alarms kept: \(alarms.raised.keys.map(\.name).sorted().joined(separator: ", "))") }
        if program == nil { progress.program = nil }
        if spec == nil {
            progress.syringe = nil
            progress.fillMl = nil
        }
        return Restoration(controller: controller, progress: progress, notes: notes, distrust: distrust)
    }

    /// How a saved plan disagrees with the saved patient or the drug on the line, or nil: the
    /// checks the controller makes of a `program` command (PATIENT-001, PATIENT-002).
    static func mismatch(_ plan: InfusionPlan, patient: Patient?, onLine: MilligramsPerMillilitre?) -> String? {
        if let patient, !patient.weighs(plan.weight) {
            return "is for \(plan.weight), the patient weighs \(patient.weight)"
        }
        if let onLine, abs(onLine.value - plan.concentration.value) > onLine.value * 1e-9 {
            return "is for \(plan.concentration), the syringe on the patient's line holds \(onLine)"
        }
        return nil
    }
}
