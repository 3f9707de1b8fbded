/// What the plunger is doing. One value, so two motions can never be under way together.
///
/// It replaced four loose fields (`bolusActive`, a priming planner, a back-off planner and
/// `loadingBolusSettled`) whose combinations included ones no pump can be in, and one that hurt: a
/// line primed while it was on the patient (issue 14). Each case carries exactly the planner its
/// motion needs, and the tick's `switch` over it is the whole truth of what moves.
///
/// - Important: only ``delivering(basal:bolus:)`` may move the plunger forward while the line is
///   on the patient; ``priming(_:)`` is reachable only from a syringe whose line is not
///   (``LoadedSyringe/isOnPatient``).
enum Motion: Hashable, Sendable {
    case still
    /// Filling a line that is not on a patient, at the priming rate, to the volume asked.
    case priming(StepPlanner)
    /// The program's basal flow (or keep-vein-open), and a bolus on top while one runs.
    case delivering(basal: StepPlanner, bolus: BolusMotion?)
    /// Releasing the pressure an occlusion stored in the line: reverse, bounded to
    /// ``ControllerSettings/backoffLimit`` (DESIGN.md rule 7).
    case backingOff(StepPlanner)

    var isBackingOff: Bool {
        if case .backingOff = self { return true }
        return false
    }

    /// The basal planner's steps still to go (0 when not delivering).
    var basalRemainingSteps: Int64 {
        if case .delivering(let basal, _) = self { return basal.remainingSteps }
        return 0
    }

    /// The bolus running on top of the basal, if any.
    var bolus: BolusMotion? {
        if case .delivering(_, let bolus) = self { return bolus }
        return nil
    }
}

/// A bolus under way: its planner and the rate it adds to the basal.
struct BolusMotion: Hashable, Sendable {
    var planner: StepPlanner
    let rate: MillilitresPerHour
}
