import InfusionCore
import Testing

@Suite("State machine")
struct InfusionStateTests {
    @Test func theProtocolPathIsExplicit() {
        var state = InfusionState.noSyringe
        for (event, expected) in [
            (StateEvent.loadSyringe(programInProgress: false), InfusionState.syringeLoaded), (.program, .programmed),
            (.start(withBolus: true), .bolus), (.bolusFinished, .running), (.pause, .paused), (.resume, .running),
            (.alarmStop, .stoppedByAlarm), (.reset(programInProgress: true), .paused), (.resume, .running),
            (.programComplete(keepVeinOpen: false), .completed), (.unloadSyringe, .noSyringe),
        ] {
            guard let next = state.after(event) else {
                Issue.record("\(event) refused in \(state)")
                return
            }
            #expect(next == expected, "\(state) --\(event)--> \(next), expected \(expected)")
            state = next
        }
    }

    @Test func impossibleTransitionsAreRefused() {
        #expect(InfusionState.noSyringe.after(.start(withBolus: false)) == nil)
        #expect(InfusionState.running.after(.unloadSyringe) == nil)
        #expect(InfusionState.running.after(.program) == nil)
        #expect(InfusionState.paused.after(.bolusStarted) == nil)
        #expect(InfusionState.completed.after(.resume) == nil)
        #expect(InfusionState.fault.after(.reset(programInProgress: true)) == nil)
        // Every state can fall into fault; nothing leaves it but unloading the syringe, which takes
        // the patient off the condemned pump (a restart keeps it: PATIENT-004).
        #expect(InfusionState.allCases.allSatisfy { $0.after(.fault) == .fault })
        #expect(StateEvent.allSamples.allSatisfy { InfusionState.fault.after($0) == nil || $0 == .fault || $0 == .unloadSyringe })
        #expect(InfusionState.fault.after(.unloadSyringe) == .noSyringe)
        // A new patient never while delivering, paused or stopped mid-program.
        for state in [InfusionState.running, .bolus, .paused, .stoppedByAlarm, .keepVeinOpen, .priming, .fault] {
            #expect(state.after(.newPatient) == nil, "new patient accepted while \(state)")
        }
    }
}

extension StateEvent {
    static let allSamples: [StateEvent] = [
        .loadSyringe(programInProgress: true), .loadSyringe(programInProgress: false), .unloadSyringe, .program,
        .start(withBolus: true), .start(withBolus: false), .pause, .resume, .stop, .bolusStarted, .bolusFinished,
        .programComplete(keepVeinOpen: true), .programComplete(keepVeinOpen: false), .alarmStop,
        .reset(programInProgress: true), .reset(programInProgress: false), .fault, .newPatient,
    ]
}
