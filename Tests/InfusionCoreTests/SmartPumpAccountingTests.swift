import InfusionCore
import InfusionTestSupport
import Testing

/// A smart pump's own count against the loop's (SERIAL-004): the cross-check's tolerance, the
/// ledger's provisional worst case, and what the tick does with both.
@Suite("Smart pump accounting")
struct SmartPumpAccountingTests {
    static func report(
        reading: UInt64, confirmed: Int64, commanded: Int64, unconfirmed: Int64 = 0, stalled: Bool = false,
        stopped: Bool = false, standstill: Int64 = 0
    ) -> SmartPumpReport {
        SmartPumpReport(
            reading: reading, confirmedSteps: confirmed, commandedAtRequest: commanded, commandedAtReply: commanded,
            resolutionSteps: 3, unconfirmedSteps: unconfirmed, stalled: stalled, pumpStopped: stopped, standstillSteps: standstill)
    }

    @Test("a start's deficit outlives the run: a stopped, consistent reading settles it as the baseline (red team F2)")
    func settledDeficitIsTheNewBaseline() {
        // The pump trails by 60 steps at a stop: inside 3 + 10 + 0.5 s × 200 steps/s.
        var check = DeliveryCrossCheck()
        #expect(check.check(Self.report(reading: 1, confirmed: 940, commanded: 1_000, stopped: true), fastestStepsPerSecond: 200) == .consistent)
        #expect(check.settled)
        // A new program: no rate yet. Before, 60 steps against 3 + 10 was a mismatch no reset cleared.
        #expect(check.check(Self.report(reading: 2, confirmed: 940, commanded: 1_000, stopped: true), fastestStepsPerSecond: 0) == .consistent)
        // From the baseline on, the tolerance is what it always was: 3 + 15 at 1 500 commanded.
        #expect(check.check(Self.report(reading: 3, confirmed: 1_422, commanded: 1_500), fastestStepsPerSecond: 0) == .consistent)
        #expect(check.check(Self.report(reading: 4, confirmed: 1_421, commanded: 1_500), fastestStepsPerSecond: 0) != .consistent)
    }

    @Test("a running pump's reading never settles, and an inconsistent one never does")
    func onlyStoppedConsistentReadingsSettle() {
        var check = DeliveryCrossCheck()
        _ = check.check(Self.report(reading: 1, confirmed: 940, commanded: 1_000), fastestStepsPerSecond: 200)
        #expect(!check.settled, "the pump was running")
        _ = check.check(Self.report(reading: 2, confirmed: 500, commanded: 1_000, stopped: true), fastestStepsPerSecond: 200)
        #expect(!check.settled, "a mismatch is not a baseline")
        #expect(check.check(Self.report(reading: 3, confirmed: 940, commanded: 1_000, stopped: true), fastestStepsPerSecond: 0) != .consistent)
    }

    @Test("steps the loop counted while the pump stood still for its start are allowed short, never long (red team F3)")
    func standstillIsAllowedShortOnly() {
        var check = DeliveryCrossCheck()
        // 10 000 commanded, of which 600 while the pump waited for RUN: 113 + 600 short is fine.
        #expect(check.check(Self.report(reading: 1, confirmed: 9_287, commanded: 10_000, standstill: 600), fastestStepsPerSecond: 20) == .consistent)
        #expect(check.check(Self.report(reading: 2, confirmed: 9_286, commanded: 10_000, standstill: 600), fastestStepsPerSecond: 20) != .consistent)
        #expect(check.check(Self.report(reading: 3, confirmed: 10_114, commanded: 10_000, standstill: 600), fastestStepsPerSecond: 20) != .consistent)
    }

    @Test("the cross-check accepts the tolerance, refuses beyond it either way, and checks a reading once")
    func crossCheckTolerance() {
        // 10 000 commanded: 3 (digit) + 100 (1 %) + 0.5 s × 20 steps/s = 113 steps either way.
        var check = DeliveryCrossCheck()
        #expect(check.check(Self.report(reading: 1, confirmed: 10_113, commanded: 10_000), fastestStepsPerSecond: 20) == .consistent)
        #expect(check.check(Self.report(reading: 2, confirmed: 9_887, commanded: 10_000), fastestStepsPerSecond: 20) == .consistent)
        #expect(
            check.check(Self.report(reading: 3, confirmed: 10_114, commanded: 10_000), fastestStepsPerSecond: 20)
                == .mismatch(reportedSteps: 10_114, commandedSteps: 10_000...10_000))
        #expect(check.check(Self.report(reading: 4, confirmed: 9_886, commanded: 10_000), fastestStepsPerSecond: 20) != .consistent)
        #expect(
            check.check(Self.report(reading: 4, confirmed: 0, commanded: 10_000), fastestStepsPerSecond: 20) == .consistent,
            "the same reading is judged once")
    }

    @Test("the provisional amount counts in every window and the program, and is replaced, not added")
    func provisionalLedger() {
        let caps = DoseCaps(perHour: Milligrams(10), perFourHours: Milligrams(20), perTwentyFourHours: Milligrams(40), perProgram: Milligrams(5))
        var ledger = DoseLedger()
        ledger.record(Picograms(roundingUp: Milligrams(1)), at: .origin)
        ledger.setProvisional(Picograms(roundingUp: Milligrams(2)))
        ledger.setProvisional(Picograms(roundingUp: Milligrams(3)))
        #expect(ledger.delivered(in: .oneHour) == Picograms(roundingUp: Milligrams(4)))
        #expect(ledger.delivered(in: .twentyFourHours) == Picograms(roundingUp: Milligrams(4)))
        #expect(ledger.headroom(under: caps) == Picograms(roundingUp: Milligrams(1)), "program cap 5 − 1 − 3")
        ledger.setProvisional(.zero)
        #expect(ledger.headroom(under: caps) == Picograms(roundingUp: Milligrams(4)))
    }

    @Test("a pump count outside the tolerance raises delivery mismatch and stops delivery")
    func mismatchStops() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(10))
        let commanded = bench.motor.sensors.motorSteps
        bench.motor.sensors.pumpReport = Self.report(reading: 1, confirmed: commanded + 500, commanded: commanded)
        bench.run(for: .milliseconds(1))
        #expect(bench.controller.alarms.isActive(.deliveryMismatch))
        #expect(!bench.controller.state.isDelivering)
    }

    @Test("delivery the pump proved beyond the command is recorded; unconfirmed delivery is held provisionally")
    func ledgerNeverBelowThePump() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(10))
        let commanded = bench.motor.sensors.motorSteps
        let before = bench.controller.ledger.lifetimeTotal
        bench.motor.sensors.pumpReport = Self.report(reading: 1, confirmed: commanded + 5, commanded: commanded, unconfirmed: 40)
        bench.run(for: .milliseconds(1))
        let added = bench.controller.ledger.lifetimeTotal - before
        let perStep = Picograms(roundingUp: Milligrams(2 / (PumpMechanics.reference.stepsPerMillilitre(for: bench.syringe))))
        #expect(added >= perStep * 5, "the 5 proved steps are in the ledger")
        #expect(bench.controller.ledger.provisional >= perStep * 39, "40 unconfirmed steps, less the one this tick commanded")
        #expect(bench.controller.state.isDelivering, "inside the tolerance delivery goes on")
        bench.motor.sensors.pumpReport = Self.report(reading: 2, confirmed: commanded + 5, commanded: commanded + 1)
        bench.run(for: .milliseconds(1))
        #expect(bench.controller.ledger.provisional == .zero, "settled by the pump's count")
    }

    @Test("a pump that reports a stall raises motor stall")
    func reportedStall() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(1))
        let commanded = bench.motor.sensors.motorSteps
        bench.motor.sensors.pumpReport = Self.report(reading: 1, confirmed: commanded, commanded: commanded, stalled: true)
        bench.run(for: .milliseconds(1))
        #expect(bench.controller.alarms.isActive(.motorStall))
        #expect(!bench.controller.state.isDelivering)
    }
}
