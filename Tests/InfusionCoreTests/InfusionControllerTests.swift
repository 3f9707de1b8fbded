import InfusionCore
import Testing

@Suite("Infusion controller")
struct InfusionControllerTests {
    @Test func deliversTheProgramToTheStep() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .hours(4) + .seconds(1))
        #expect(bench.controller.state == .completed)
        let expected = Int64((49 * PumpMechanics.reference.stepsPerMillilitre(for: bench.syringe)).rounded(.down))
        #expect(bench.motor.forwardSteps == expected)
        #expect(bench.controller.worstBasalStepError < 1)
        // The ledger rounds each step's mass up to a whole picogram: never less than what was
        // commanded, and at most 1 pg per step more.
        let exact = Double(bench.motor.forwardSteps) * 2 / PumpMechanics.reference.stepsPerMillilitre(for: bench.syringe)
        let ledger = bench.controller.ledger.lifetimeTotal.milligrams.value
        #expect(ledger >= exact && ledger <= exact + Double(bench.motor.forwardSteps) * 1e-9)
    }

    /// ALARM-002: a high-priority condition stops the motor in the very tick it is first seen.
    @Test(arguments: [
        "clamp opened", "end of travel", "link lost", "journal failed", "loop overran", "pressure at threshold",
        "force not a number", "force far below zero",
    ])
    func highPriorityConditionStopsTheMotorWithinOneTick(condition: String) throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(30))
        switch condition {
        case "clamp opened": bench.motor.sensors.syringeClamped = false
        case "end of travel": bench.motor.sensors.plungerAtEndOfTravel = true
        case "link lost": bench.motor.sensors.pumpLinkHealthy = false
        case "journal failed": bench.motor.sensors.journalHealthy = false
        case "loop overran": bench.motor.sensors.loopOverran = true
        case "force not a number": bench.motor.sensors.plungerForceNewtons = .nan
        case "force far below zero": bench.motor.sensors.plungerForceNewtons = -500
        default: bench.motor.sensors.plungerForceNewtons = 600 / 7_500.617 * bench.syringe.plungerAreaSquareMillimetres
        }
        let actuation = bench.run(for: .milliseconds(1))
        #expect(actuation.steps <= 0, "forward steps in the tick that saw \(condition)")
        #expect(actuation.indicator.priority == .high)
        #expect(bench.controller.state == .stoppedByAlarm)
        let before = bench.motor.forwardSteps
        bench.run(for: .seconds(10))
        #expect(bench.motor.forwardSteps == before, "delivery continued after \(condition)")
    }

    @Test func noBolusWhileAnAlarmIsActive() throws {
        // 3 mL at 12.25 mL/h lasts under 15 minutes: the low-priority near-empty alarm is active.
        var bench = try Bench()
        try bench.startInfusion(fill: Millilitres(3))
        bench.run(for: .seconds(1))
        #expect(bench.controller.alarms.isActive(.nearEmpty))
        #expect(bench.controller.state == .running, "near empty does not stop delivery")
        let refused = bench.controller.handle(.bolus(MilligramsPerKilogram(0.1), confirmSoftLimits: true), at: bench.now)
        guard case .failure(let refusal) = refused, case .alarmActive = refusal.code else {
            Issue.record("bolus accepted with an alarm active: \(refused)")
            return
        }
    }

    @Test func anAlarmCancelsAnActiveBolus() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(5))
        try bench.command(.bolus(MilligramsPerKilogram(0.1), confirmSoftLimits: false))
        #expect(bench.controller.state == .bolus)
        bench.motor.sensors.syringeClamped = false
        bench.run(for: .milliseconds(1))
        bench.motor.sensors.syringeClamped = true
        bench.run(for: .seconds(1))
        try bench.command(.reset)
        try bench.command(.resume)
        #expect(bench.controller.state == .running, "the cancelled bolus must not come back on resume")
    }

    /// SAFE-001: the monitor sees a stall through the encoder and stops the motor.
    @Test func encoderThatStopsFollowingIsAStall() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(2))
        bench.motor.encoderFollows = false
        bench.run(for: .seconds(20))
        #expect(bench.controller.alarms.isActive(.motorStall))
        #expect(bench.controller.state == .stoppedByAlarm)
    }

    /// SAFE-002: motion without steps is a runaway: fault, enable dropped, no reset.
    @Test func motionWithoutStepsIsARunaway() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(2))
        bench.motor.sensors.encoderCounts = (bench.motor.sensors.encoderCounts ?? 0) + 200
        let actuation = bench.run(for: .milliseconds(1))
        #expect(!actuation.motorEnabled)
        #expect(bench.controller.state == .fault)
        #expect(bench.controller.alarms.isActive(.deliveryMismatch))
        #expect(throws: CommandRefusal.self) { try bench.command(.reset) }
    }

    /// STATE-002: a restart during an infusion comes up stopped, alarmed, with totals restored.
    @Test func restartComesUpStoppedWithTotalsRestored() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .minutes(10))
        let saved = bench.controller.persistentState
        let ledgerBefore = bench.controller.ledger.lifetimeTotal
        var restarted = InfusionController(restoring: saved, settings: ControllerSettings(), at: bench.now)
        #expect(restarted.state == .stoppedByAlarm)
        #expect(restarted.alarms.isActive(.restartedDuringInfusion))
        #expect(restarted.ledger.lifetimeTotal == ledgerBefore)
        #expect(restarted.programDeliveredVolume == bench.controller.programDeliveredVolume)
        let actuation = restarted.tick(now: bench.now + .milliseconds(1), sensors: bench.motor.sensors)
        #expect(actuation.steps == 0 && !actuation.motorEnabled)
        if case .success = restarted.handle(.resume, at: bench.now) { Issue.record("resumed without a reset") }
    }

    /// STATE-002 from the monitor's fault: found by the 100 000-sequence property run (a runaway,
    /// a restart, a start: 125 steps delivered with no reset). A restart from `fault` came up
    /// `programmed` with no alarm, so a plain `start` drove the motor the monitor had condemned;
    /// then it came up stopped by an alarm, so one reset and a resume did (issue 14, finding 7).
    /// Now `fault` stays `fault` with its alarm, and only unloading the syringe leaves it.
    @Test func restartFromAFaultStaysInFault() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(2))
        bench.motor.sensors.encoderCounts = (bench.motor.sensors.encoderCounts ?? 0) + 200
        bench.run(for: .milliseconds(1))
        try #require(bench.controller.state == .fault)
        var restarted = InfusionController(restoring: bench.controller.persistentState, settings: ControllerSettings(), at: bench.now)
        #expect(restarted.state == .fault)
        #expect(restarted.alarms.isActive(.restartedDuringInfusion))
        #expect(restarted.alarms.isActive(.deliveryMismatch), "the monitor's alarm survives the restart")
        for command in [TechnicianCommand.start, .resume, .reset] {
            if case .success = restarted.handle(command, at: bench.now) { Issue.record("\(command) accepted in fault after a restart") }
        }
        #expect(restarted.state == .fault)
        if case .failure(let refusal) = restarted.handle(.unloadSyringe, at: bench.now) { Issue.record("unload refused in fault: \(refusal)") }
        #expect(restarted.state == .noSyringe && restarted.program == nil, "the condemned program leaves with the syringe")
    }

    @Test func commandsThatDoNotFitTheStateAreRefusedNamingIt() throws {
        var bench = try Bench()
        let result = bench.controller.handle(.start, at: bench.now)
        guard case .failure(let refusal) = result else {
            Issue.record("start accepted with no syringe")
            return
        }
        #expect(refusal.description.contains("no syringe"))
        try bench.startInfusion()
        guard case .failure(let unload) = bench.controller.handle(.unloadSyringe, at: bench.now) else {
            Issue.record("unload accepted while running")
            return
        }
        #expect(unload.description.contains("running"))
    }

    @Test func pausedTooLongCallsBackAfterTwoMinutes() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(5))
        try bench.command(.pause)
        bench.run(for: .seconds(119))
        #expect(!bench.controller.alarms.isActive(.pausedTooLong))
        bench.run(for: .seconds(2))
        #expect(bench.controller.alarms.isActive(.pausedTooLong))
        try bench.command(.resume)
        bench.run(for: .milliseconds(1))
        #expect(!bench.controller.alarms.isActive(.pausedTooLong))
    }

    /// OCCL-001: back-off is bounded. With a pressure reading stuck high (the plunger retreats but
    /// the sensor never sees relief), reversing stops at 0.5 mL of travel and does not resume.
    @Test func occlusionBackOffStopsAtItsBoundEvenIfPressureStaysHigh() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(5))
        bench.motor.sensors.plungerForceNewtons = bench.force(atPressure: 600)
        bench.run(for: .seconds(30))
        let bound = Int64(0.5 * PumpMechanics.reference.stepsPerMillilitre(for: bench.syringe))
        #expect(bench.controller.alarms.isActive(.occlusion))
        #expect(bench.motor.reverseSteps == bound, "backed off \(bench.motor.reverseSteps) steps, bound \(bound)")
        let before = bench.motor.sensors.motorSteps
        bench.run(for: .minutes(5))
        #expect(bench.motor.sensors.motorSteps == before, "the motor moved after the back-off bound")
    }

    /// OCCL-001: back-off ends as soon as the line pressure has fallen to the release level.
    @Test func occlusionBackOffEndsWhenThePressureIsReleased() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(5))
        bench.motor.sensors.plungerForceNewtons = bench.force(atPressure: 600)
        bench.run(for: .milliseconds(50))
        let reversed = bench.motor.reverseSteps
        #expect(reversed > 0 && reversed < 60, "\(reversed) steps reversed in 50 ms")
        bench.motor.sensors.plungerForceNewtons = bench.force(atPressure: 15)
        bench.run(for: .seconds(10))
        #expect(bench.motor.reverseSteps <= reversed + 1, "back-off continued below the release pressure")
    }
}

