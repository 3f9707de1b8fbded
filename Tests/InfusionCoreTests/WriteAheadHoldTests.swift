import InfusionCore
import Testing

/// DESIGN.md rule 5 inside the tick: no forward step beyond what the journal has made durable.
@Suite("Write-ahead hold")
struct WriteAheadHoldTests {
    @Test("the tick never lets the ledger pass the durable total; it catches up once the journal does")
    func neverPastTheDurableLedger() throws {
        var bench = try Bench()
        try bench.startInfusion()
        let perStep = bench.controller.drugPerStep
        #expect(perStep.value > 0)
        // The journal has made 10 steps' worth durable and then stops keeping up.
        let durable = Picograms(bench.controller.ledger.lifetimeTotal.value + 10 * perStep.value)
        bench.motor.sensors.durableLedger = durable
        var held = false
        bench.run(for: .seconds(30)) { bench in
            #expect(bench.controller.ledger.lifetimeTotal <= durable)
            held = held || bench.controller.writeAheadHeld
        }
        #expect(held, "30 s at the program's rate needs more than 10 steps")
        #expect(bench.motor.forwardSteps == 10, "exactly what the durable ledger covered")
        #expect(bench.controller.state == .running, "a hold alone stops nothing; the daemon decides when it is a failure")

        // The journal catches up: the owed steps follow, and the program's count stays exact.
        bench.motor.sensors.durableLedger = Picograms(.max / 4)
        bench.run(for: .seconds(30))
        #expect(!bench.controller.writeAheadHeld)
        let ideal = 60.0 * bench.controller.commandedFlow.value / 3_600
            * PumpMechanics.reference.stepsPerMillilitre(for: bench.syringe)
        #expect(abs(Double(bench.motor.forwardSteps) - ideal) <= 1, "steps \(bench.motor.forwardSteps), ideal \(ideal)")
    }

    @Test("the commanded flow is the basal rate, plus the bolus while one runs, and zero when not delivering")
    func commandedFlowCountsTheBolus() throws {
        var bench = try Bench()
        #expect(bench.controller.commandedFlow == .zero)
        try bench.startInfusion(Bench.crps(bolus: 0.2))
        bench.run(for: .milliseconds(2))
        let basal = try #require(bench.controller.program?.plan.rate)
        let bolus = try #require(bench.controller.program?.plan.loadingBolus?.rate)
        #expect(bench.controller.state == .bolus)
        #expect(abs(bench.controller.commandedFlow.value - (basal.value + bolus.value)) < 1e-9)
        try bench.command(.pause)
        #expect(bench.controller.commandedFlow == .zero)
    }
}
