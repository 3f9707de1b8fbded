import InfusionCore

/// Compares a finished run with its scenario's expectations and with the safety invariants that
/// every run must keep, whatever the scenario says.
enum ScenarioChecker {
    static func check(_ scenario: Scenario, _ result: inout ScenarioResult) {
        let expected = scenario.expectations
        // Invariants of every run (DESIGN.md rules 1, 3, 4).
        if result.forwardStepsDuringStoppingAlarm > 0 {
            result.failures.append("the motor was driven forward \(result.forwardStepsDuringStoppingAlarm) steps while a delivery-stopping alarm was active")
        }
        if let first = result.capViolations.first {
            result.failures.append("a dose cap was crossed (\(result.capViolations.count) times; first: \(first))")
        }
        if result.forwardStepsAfterHighAlarmBeforeRestart > 0 {
            result.failures.append(
                "the motor was driven forward \(result.forwardStepsAfterHighAlarmBeforeRestart) steps after a high alarm, before a reset and a restart")
        }
        if result.physicalViolationCount > 0 {
            result.failures.append(
                "the physics broke a safety property \(result.physicalViolationCount) times; first: \(result.physicalViolations.joined(separator: "; "))")
        }
        if result.stepsWhileDisabled > 0 {
            result.failures.append("\(result.stepsWhileDisabled) steps were sent to a disabled driver")
        }
        if result.maximumStepError > 1 {
            result.failures.append("the step planner fell \(result.maximumStepError) steps behind the ideal (limit 1)")
        }

        if let state = expected.finalState, state != result.finalState {
            result.failures.append("expected the final state \(state), got \(result.finalState)")
        }
        if let paused = expected.finalAudioPaused, paused != result.finalAudioPaused {
            result.failures.append("expected the alarm sound \(paused ? "paused" : "not paused") at the end, it was \(result.finalAudioPaused ? "paused" : "not paused")")
        }
        if let range = expected.deliveredDrug, !range.contains(result.deliveredDrug.value) {
            result.failures.append(
                "expected delivered drug within \(Milligrams(range.lowerBound))…\(Milligrams(range.upperBound)), got \(result.deliveredDrug)")
        }
        if let range = expected.deliveredVolume, !range.contains(result.deliveredToPatient.value) {
            result.failures.append(
                "expected delivered volume within \(Millilitres(range.lowerBound))…\(Millilitres(range.upperBound)), got \(result.deliveredToPatient)")
        }
        for alarm in expected.alarms {
            let raised = result.alarms.filter { $0.id == alarm.id }
            let inWindow = raised.first { raisedAlarm in
                (alarm.by.map { raisedAlarm.at <= $0 } ?? true) && (alarm.after.map { raisedAlarm.at >= $0 } ?? true)
            }
            if inWindow == nil {
                let when = [alarm.after.map { "after \($0)" }, alarm.by.map { "by \($0)" }].compactMap { $0 }.joined(separator: " and ")
                let seen = raised.isEmpty ? "never raised" : "raised at " + raised.map { "\($0.at)" }.joined(separator: ", ")
                result.failures.append("expected alarm \(alarm.id) \(when.isEmpty ? "to be raised" : when); \(seen)")
            }
        }
        for id in expected.forbiddenAlarms where result.alarms.contains(where: { $0.id == id }) {
            result.failures.append("alarm \(id) was raised but must not be")
        }
        if expected.onlyListedAlarms {
            let allowed = Set(expected.alarms.map(\.id))
            for alarm in result.alarms where !allowed.contains(alarm.id) {
                result.failures.append("unexpected alarm \(alarm.id) at \(alarm.at)")
            }
        }
        for sign in VitalSign.every {
            if let limit = expected.patientPeakBelow[sign] {
                judgeExtreme(result.patientPeak[sign], of: sign, passes: { $0 < limit }, "below \(formatQuantityValue(limit))", &result)
            }
            if let limit = expected.patientTroughAbove[sign] {
                judgeExtreme(result.patientTrough[sign], of: sign, passes: { $0 > limit }, "above \(formatQuantityValue(limit))", &result)
            }
        }
        if let limit = expected.maximumPostOcclusionBolus {
            if let bolus = result.postOcclusionBolus {
                if bolus > limit { result.failures.append("post-occlusion bolus \(bolus) exceeds \(limit)") }
            } else {
                result.failures.append("expected a post-occlusion bolus to measure, but no occlusion was cleared")
            }
        }
    }

    private static func judgeExtreme(_ value: Double?, of sign: VitalSign, passes: (Double) -> Bool, _ bound: String, _ result: inout ScenarioResult) {
        guard let value else {
            result.failures.append("expected the patient's \(sign.name) to stay \(bound), but the run has no \(sign.name)")
            return
        }
        if !passes(value) { result.failures.append("the patient's \(sign.name) reached \(formatQuantityValue(value)); it must stay \(bound)") }
    }
}
