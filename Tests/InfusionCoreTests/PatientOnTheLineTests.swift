import InfusionCore
import InfusionTestSupport
import Testing

/// A patient on the line (DESIGN.md rule 10, issue 14): from the first start on a syringe until it
/// is unloaded every forward motion is drug; one patient, one weight; a program is given once; a
/// restart comes back as it was.
@Suite("A patient on the line")
struct PatientOnTheLineTests {
    /// PATIENT-001, issue 14 finding 1: after a stop the state is `syringe loaded`, where prime
    /// was allowed, and a 5 mL prime went into the connected patient outside the ledger.
    @Test func primeIsRefusedOnceTheLineIsOnThePatient() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .minutes(10))
        try bench.command(.stop)
        #expect(bench.controller.state == .syringeLoaded && bench.controller.lineOnPatient)
        let ledger = bench.controller.ledger.lifetimeTotal
        let forward = bench.motor.forwardSteps
        let refused = bench.controller.handle(.prime(Millilitres(5)), at: bench.now)
        guard case .failure(let refusal) = refused else {
            Issue.record("prime accepted with the line on the patient")
            return
        }
        #expect(refusal.description.contains("line is on the patient") && refusal.description.contains("PATIENT-001"), "\(refusal)")
        bench.run(for: .minutes(1))
        #expect(bench.motor.forwardSteps == forward && bench.controller.ledger.lifetimeTotal == ledger)
        // Unloading takes the syringe off the pump, but the line may still be in the vein: a
        // fresh syringe is primed only on the technician's word that it is not (PATIENT-005).
        try bench.command(.unloadSyringe)
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        #expect(!bench.controller.lineOnPatient && bench.controller.lineMayBeConnected)
        try bench.command(.prime(Millilitres(1), lineDisconnected: true))
        #expect(!bench.controller.lineMayBeConnected)
    }

    /// PATIENT-005, red team on issue 14 F1: unload, load and prime pushed 5 mL into a line still
    /// on the patient, outside every ledger. A prime then needs the technician's word.
    @Test func primeAfterAChangedSyringeNeedsTheLineSaidOff() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .minutes(1))
        try bench.command(.stop)
        try bench.command(.unloadSyringe)
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        let forward = bench.motor.forwardSteps
        guard case .failure(let refusal) = bench.controller.handle(.prime(Millilitres(5)), at: bench.now) else {
            Issue.record("prime accepted with the line maybe on the patient")
            return
        }
        #expect(refusal.description.contains("PATIENT-005") && refusal.description.contains("--line-disconnected"), "\(refusal)")
        bench.run(for: .seconds(10))
        #expect(bench.motor.forwardSteps == forward)
        // The word survives nothing: a restart keeps the flag, and it is asked for again.
        var restored = InfusionController(restoring: bench.controller.persistentState, settings: bench.controller.settings, at: bench.now)
        #expect(restored.lineMayBeConnected)
        #expect((try? restored.handle(.prime(Millilitres(1)), at: bench.now).get()) == nil)
        #expect((try? restored.handle(.prime(Millilitres(1), lineDisconnected: true), at: bench.now).get()) != nil)
    }

    /// PATIENT-006, red team on issue 14 F1: new-patient with the present patient's own id once
    /// reset every window. It is a corrected weight: the drug given still counts.
    @Test func thePresentPatientsIdIsACorrectedWeight() throws {
        var bench = try Bench()
        try bench.command(.newPatient(weight: Kilograms(70), id: "MRN-1"))
        try bench.startInfusion()
        bench.run(for: .minutes(30))
        try bench.command(.stop)
        let given = bench.controller.ledger.delivered(in: .oneHour)
        #expect(given > .zero)
        try bench.command(.unloadSyringe)
        try bench.command(.newPatient(weight: Kilograms(72), id: "MRN-1"))
        #expect(bench.controller.patient?.number == 1 && bench.controller.patient?.weight == Kilograms(72))
        #expect(bench.controller.ledger.delivered(in: .oneHour) == given, "the same person's drug still counts")
        try bench.command(.newPatient(weight: Kilograms(72), id: "MRN-2"))
        #expect(bench.controller.patient?.number == 2 && bench.controller.ledger.delivered(in: .oneHour) == .zero)
    }

    /// PATIENT-001: the syringe on the patient holds what it was started with; its drug per step
    /// goes on counting after a stop, for motion nobody commanded.
    @Test func theSyringeOnThePatientKeepsItsDrug() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .minutes(1))
        try bench.command(.stop)
        var tenfold = Bench.crps()
        tenfold.concentration = MilligramsPerMillilitre(10)
        guard case .refused(let findings) = bench.controller.validate(tenfold, with: bench.validator) else {
            Issue.record("a program of another concentration was accepted for the syringe on the patient")
            return
        }
        #expect(findings.contains { $0.rule == "PATIENT-001" && $0.field == "concentration" }, "\(findings)")
        #expect(bench.controller.validate(Bench.crps(), with: bench.validator).plan != nil)
        // Stopped, no program: the plunger creeps 40 steps and a fraction by itself (within the
        // encoder's tolerance, so no runaway): 40 whole steps of drug in the ledger all the same.
        let before = bench.controller.ledger.lifetimeTotal
        let perStep = bench.controller.drugPerStep
        #expect(perStep > .zero)
        bench.motor.sensors.encoderCounts = (bench.motor.sensors.encoderCounts ?? 0) + Int64(40.9 * PumpMechanics.reference.encoderCountsPerStep)
        bench.run(for: .milliseconds(2))
        #expect(bench.controller.ledger.lifetimeTotal == before + perStep * 40)
        #expect(bench.controller.state == .syringeLoaded)
    }

    /// A runaway's steps before the monitor's tolerance is crossed are in the ledger as well.
    @Test func motionNobodyCommandedIsCountedAsDrug() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(2))
        let before = bench.controller.ledger.lifetimeTotal
        let commandedBefore = bench.motor.forwardSteps
        bench.motor.sensors.encoderCounts = (bench.motor.sensors.encoderCounts ?? 0) + Int64(200 * PumpMechanics.reference.encoderCountsPerStep)
        bench.run(for: .milliseconds(1))
        #expect(bench.controller.state == .fault)
        let commanded = bench.motor.forwardSteps - commandedBefore
        // Whole steps seen: the encoder's fraction of a step is left to the next reading.
        #expect(bench.controller.ledger.lifetimeTotal >= before + bench.controller.drugPerStep * (199 + commanded))
    }

    /// PATIENT-002, issue 14 finding 5: a 70 kg patient re-programmed as 150 kg (the soft
    /// maximum, no confirmation) had caps for 150 kg over the drug already given.
    @Test func aProgramForAnotherWeightIsRefused() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .minutes(5))
        try bench.command(.stop)
        var heavier = Bench.crps()
        heavier.weight = Kilograms(150)
        guard case .refused(let findings) = bench.controller.validate(heavier, with: bench.validator) else {
            Issue.record("a program for 150 kg was accepted for a 70 kg patient")
            return
        }
        let finding = try #require(findings.first)
        #expect(finding.rule == "PATIENT-002" && finding.limit.contains("70 kg") && finding.limit.contains("new-patient"), "\(finding)")
        #expect(bench.controller.patient?.weight == Kilograms(70))
    }

    /// PATIENT-002: a new patient is refused while a program is under way or the line is on the
    /// patient; after it the caps count from nothing, and the program not yet started is dropped.
    @Test func aNewPatientStartsTheCapsAfreshAndOnlyOffTheLine() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .minutes(30))
        try bench.command(.pause)
        #expect(throws: CommandRefusal.self) { try bench.command(.newPatient(weight: Kilograms(80), id: "MRN-2")) }
        try bench.command(.stop)
        #expect(throws: CommandRefusal.self) { try bench.command(.newPatient(weight: Kilograms(80), id: "MRN-2")) }
        try bench.command(.unloadSyringe)
        let lifetime = bench.controller.ledger.lifetimeTotal
        #expect(bench.controller.ledger.delivered(in: .oneHour) > .zero)
        try bench.command(.newPatient(weight: Kilograms(80), id: "MRN-2"))
        #expect(bench.controller.patient == Patient(weight: Kilograms(80), id: "MRN-2", number: 2))
        for window in DoseWindow.allCases { #expect(bench.controller.ledger.delivered(in: window) == .zero) }
        #expect(bench.controller.ledger.lifetimeTotal == lifetime, "the pump's lifetime total carries on")
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        var eighty = Bench.crps()
        eighty.weight = Kilograms(80)
        let plan = try #require(bench.controller.validate(eighty, with: bench.validator).plan)
        try bench.command(.program(plan))
        #expect(bench.controller.validate(Bench.crps(), with: bench.validator).plan == nil, "70 kg is not this patient")
        try bench.command(.newPatient(weight: Kilograms(81), id: "MRN-2"))
        #expect(bench.controller.program == nil && bench.controller.state == .syringeLoaded, "the new patient's program is not the old one's")
    }

    /// PATIENT-003, issue 14 finding 2: a completed program came back `programmed` after a
    /// restart and a plain start gave it again, loading bolus included.
    @Test func aProgramIsGivenOnceAcrossRestarts() throws {
        var bench = try Bench()
        var short = Bench.crps(bolus: 0.35)
        short.extent = .duration(.minutes(10))
        short.confirmSoftLimits = true
        try bench.startInfusion(short)
        #expect(bench.controller.state == .bolus)
        bench.run(for: .seconds(30))
        bench.controller = InfusionController(restoring: bench.controller.persistentState, settings: ControllerSettings(), at: bench.now)
        #expect(bench.controller.state == .stoppedByAlarm && bench.controller.program?.loadingBolusBegun == true)
        try bench.command(.reset)
        try bench.command(.resume)
        #expect(bench.controller.state == .running, "the interrupted loading bolus is not given again")
        bench.run(for: .minutes(11))
        #expect(bench.controller.state == .completed)
        let forward = bench.motor.forwardSteps
        bench.controller = InfusionController(restoring: bench.controller.persistentState, settings: ControllerSettings(), at: bench.now)
        #expect(bench.controller.state == .completed, "a completed program comes back completed")
        #expect(!bench.controller.alarms.isActive(.restartedDuringInfusion), "nothing was under way")
        #expect(throws: CommandRefusal.self) { try bench.command(.start) }
        bench.run(for: .minutes(1))
        #expect(bench.motor.forwardSteps == forward)
    }

    /// PATIENT-004, issue 14 finding 7: every latched alarm survives a restart, acknowledged or
    /// not, and still forbids a start.
    @Test func everyLatchedAlarmSurvivesARestart() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(5))
        bench.motor.sensors.plungerForceNewtons = bench.force(atPressure: 600)
        bench.run(for: .milliseconds(10))
        bench.motor.sensors.plungerForceNewtons = 0
        bench.run(for: .seconds(5))
        try bench.command(.acknowledge(.occlusion))
        try bench.command(.stop)
        let raisedAt = bench.controller.alarms.record(.occlusion).raisedAt
        bench.controller = InfusionController(restoring: bench.controller.persistentState, settings: ControllerSettings(), at: bench.now)
        let record = bench.controller.alarms.record(.occlusion)
        #expect(record.isActive && record.acknowledged && record.raisedAt == raisedAt)
        let plan = try #require(bench.controller.validate(Bench.crps(), with: bench.validator).plan)
        try bench.command(.program(plan))
        #expect(throws: CommandRefusal.self) { try bench.command(.start) }
        try bench.command(.reset)
        try bench.command(.start)
    }
}
