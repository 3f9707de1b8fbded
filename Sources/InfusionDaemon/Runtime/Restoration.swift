import ControlProtocol
import Foundation
import InfusionCore
import Journal

/// The controller a start begins with: the ledger from the journal's records, the syringe and the
/// program from the saved progress, validated again, and never delivering (DESIGN.md rule 4).
public struct Restoration: Sendable {
    public var controller: InfusionController
    public var progress: SavedProgress
    /// What was restored or dropped, for the log and the event log.
    public var notes: [String]

    public static func restore(
        from journal: Journal, settings: ControllerSettings, validator: ProgramValidator, syringes: SyringeTable,
        at now: ControlInstant
    ) throws(JournalError) -> Restoration {
        var notes: [String] = []
        var progress = SavedProgress.empty
        if let body = try journal.savedState() {
            if let saved = try? JSONDecoder().decode(SavedProgress.self, from: Data(body.utf8)) {
                progress = saved
            } else {
                notes.append("the saved progress could not be read; starting with no syringe and no program")
            }
        }
        var ledger = DoseLedger(startingAt: now)
        let totals = try journal.restore(into: &ledger, program: progress.program == nil ? nil : progress.programNumber)
        notes.append("ledger restored: \(totals.lifetime) over the pump's life, \(totals.lastTwentyFourHours) in the last 24 h")

        var spec: SyringeSpec?
        var syringe: LoadedSyringe?
        if let name = progress.syringe, let fill = progress.fillMl {
            if let found = try? syringes.syringe(named: name) {
                spec = found
                var loaded = LoadedSyringe(spec: found, fill: Millilitres(fill), mechanics: settings.mechanics)
                loaded.netSteps = progress.netSteps
                syringe = loaded
            } else {
                notes.append("syringe \(name) is no longer in the syringe table; load one again")
            }
        }
        var program: ActiveProgram?
        if let text = progress.program, let spec {
            // Validated against an empty ledger: the library's limits must still allow the plan;
            // the caps, with the restored ledger, are the tick's to enforce.
            if let request = try? text.request(), let plan = validator.validate(request, syringe: spec, ledger: DoseLedger()).plan {
                var active = ActiveProgram(plan: plan)
                active.started = progress.programStarted
                program = active
            } else {
                notes.append("the saved program (\(text.drug) \(text.dose)) does not pass the drug library in force; program again")
            }
        }
        let saved = PersistentState(
            ledger: ledger, program: program, programDeliveredVolume: Millilitres(progress.programDeliveredMl),
            loadingBolusSettled: progress.loadingBolusSettled, syringeSpec: spec, syringe: syringe,
            wasInfusing: progress.wasInfusing)
        let controller = InfusionController(restoring: saved, settings: settings, at: now)
        if progress.wasInfusing { notes.append("an infusion was under way: it stays stopped, restarted_during_infusion raised") }
        if program == nil { progress.program = nil }
        if spec == nil {
            progress.syringe = nil
            progress.fillMl = nil
        }
        return Restoration(controller: controller, progress: progress, notes: notes)
    }
}
