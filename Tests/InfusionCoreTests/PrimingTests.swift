import InfusionCore
import InfusionTestSupport
import Testing

/// Priming the line (PRIME-001): the plunger moves to fill the line before any program, and the
/// drug it moves is not counted as given.
@Suite("Priming")
struct PrimingTests {
    @Test("prime moves the plunger by the volume asked at the priming rate, counts no drug, and returns to syringe loaded")
    func primeFillsTheLineWithoutCountingDrug() throws {
        var bench = try Bench()
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        try bench.command(.prime(Millilitres(1)))
        #expect(bench.controller.state == .priming)
        let moving = bench.run(for: .seconds(1))
        #expect(moving.motorEnabled && moving.rate.value == 300, "\(moving)")
        bench.run(for: .seconds(15))
        #expect(bench.controller.state == .syringeLoaded)
        let stepsPerMillilitre = try #require(bench.controller.syringe?.stepsPerMillilitre)
        #expect(bench.motor.forwardSteps == Int64((1 * stepsPerMillilitre).rounded(.down)))
        #expect(abs(bench.controller.primedVolume.value - 1) < 1 / stepsPerMillilitre)
        #expect(bench.controller.ledger.lifetimeTotal == .zero, "priming is not drug given")
        #expect(abs((bench.controller.syringe?.remaining.value ?? 0) - 49) < 1 / stepsPerMillilitre)
        #expect(bench.run(for: .seconds(1)).steps == 0, "the plunger stops at the volume asked")
        // The infusion that follows counts from zero and runs as programmed.
        let plan = try #require(bench.controller.validate(Bench.crps(), with: bench.validator).plan)
        try bench.command(.program(plan))
        try bench.command(.start)
        bench.run(for: .seconds(10))
        #expect(bench.controller.ledger.lifetimeTotal > .zero)
    }

    @Test("prime is refused with a program, without a syringe, over 5 mL, at zero, and under an alarm; stop ends it at once")
    func primeRefusalsAndStop() throws {
        var bench = try Bench()
        #expect(refusal(bench.controller.handle(.prime(Millilitres(1)), at: bench.now))?.contains("no syringe") == true)
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        let tooMuch = refusal(bench.controller.handle(.prime(Millilitres(6)), at: bench.now))
        #expect(tooMuch?.contains("5 mL a prime") == true, "\(tooMuch ?? "accepted")")
        #expect(refusal(bench.controller.handle(.prime(Millilitres(0)), at: bench.now))?.contains("prime volume") == true)
        let plan = try #require(bench.controller.validate(Bench.crps(), with: bench.validator).plan)
        try bench.command(.program(plan))
        #expect(refusal(bench.controller.handle(.prime(Millilitres(1)), at: bench.now))?.contains("programmed") == true)
        try bench.command(.stop)
        #expect(bench.controller.state == .syringeLoaded)
        try bench.command(.prime(Millilitres(2)))
        bench.run(for: .seconds(2))
        try bench.command(.stop)
        let stepsAtStop = bench.motor.forwardSteps
        #expect(bench.run(for: .seconds(5)).steps == 0)
        #expect(bench.motor.forwardSteps == stepsAtStop, "stop ends priming at once")
        #expect(bench.controller.state == .syringeLoaded)
        #expect(bench.controller.ledger.lifetimeTotal == .zero)
        bench.motor.sensors.syringeClamped = false
        bench.run(for: .milliseconds(10))
        let inAlarm = refusal(bench.controller.handle(.prime(Millilitres(1)), at: bench.now))
        #expect(inAlarm?.contains("syringe_disengaged") == true, "\(inAlarm ?? "accepted")")
    }

    @Test("an occluded line while priming stops the plunger with the occlusion alarm")
    func occlusionStopsPriming() throws {
        var bench = try Bench()
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        try bench.command(.prime(Millilitres(3)))
        bench.run(for: .seconds(1))
        bench.motor.sensors.plungerForceNewtons = bench.force(atPressure: 900)
        bench.run(for: .milliseconds(100))
        #expect(bench.controller.alarms.isActive(.occlusion))
        #expect(bench.controller.state == .stoppedByAlarm)
        let forward = bench.motor.forwardSteps
        bench.run(for: .seconds(2))
        #expect(bench.motor.forwardSteps == forward, "no forward motion after the alarm")
    }

    @Test("the safety monitor holds priming to the steps the command allowed, independently of the planner")
    func monitorBoundsPriming() throws {
        var monitor = SafetyMonitor(settings: ControllerSettings(), startingAt: .origin)
        let ledger = DoseLedger(startingAt: .origin)
        monitor.allowPriming(steps: 100)
        #expect(monitor.reviewPriming(steps: 60, ledger: ledger) == .permit)
        #expect(monitor.reviewPriming(steps: 40, ledger: ledger) == .permit)
        #expect(monitor.reviewPriming(steps: 1, ledger: ledger) == .runaway)
        #expect(monitor.reviewPriming(steps: -1, ledger: ledger) == .runaway)
    }

    private func refusal(_ result: Result<Void, CommandRefusal>) -> String? {
        if case .failure(let refusal) = result { return refusal.description }
        return nil
    }
}
