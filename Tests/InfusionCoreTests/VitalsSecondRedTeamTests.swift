import InfusionCore
import InfusionTestSupport
import Testing

/// The second red team's findings on the interlock (issue 17): each delivered into a critical
/// patient, forgot one, or let a stop be reset over one, before its fix.
@Suite("Vital-signs interlock: the second red team's findings")
struct VitalsSecondRedTeamTests {
    typealias C = VitalsControllerTests
    typealias I = VitalsInterlockTests

    static func normalChart() -> TechnicianCommand {
        var readings = VitalReadings()
        for (sign, value) in [(VitalSign.systolic, 124.0), (.diastolic, 78), (.respiratoryRate, 14)] {
            readings[sign] = VitalReading(value: value, measuredAt: .origin)
        }
        return .chart(readings)
    }

    /// Ticks a restored controller for `duration` with the oximeter at `spo2`; answers the time.
    static func tick(_ controller: inout InfusionController, from start: ControlInstant, for duration: ControlDuration, spo2: Double, _ bench: Bench) -> ControlInstant {
        var now = start
        var sensors = bench.motor.sensors
        while now < start + duration {
            now = now + .milliseconds(1)
            sensors.oximeter = C.oximeter(spo2: spo2, at: now)
            _ = controller.tick(now: now, sensors: sensors)
        }
        return now
    }

    /// R1 (critical): after a restart a fresh chart and a fresh 78 % released the restart-held
    /// stop, since 78 % had not yet "persisted"; reset and resume delivered into a critical patient.
    @Test func aRestartHeldStopIsNotReleasedByAFreshCriticalValue() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(20)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 78, at: $0.now) }
        #expect(bench.controller.alarms.isActive(.vitalsCritical))
        var restored = InfusionController(restoring: bench.controller.persistentState, settings: bench.controller.settings, at: bench.now)
        var now = Self.tick(&restored, from: bench.now, for: .seconds(1), spo2: 78, bench)
        _ = restored.handle(Self.normalChart(), at: now)
        now = Self.tick(&restored, from: now, for: .seconds(1), spo2: 78, bench)
        #expect((try? restored.handle(.reset, at: now).get()) == nil, "reset after a restart with the oximeter still at 78 %")
        now = Self.tick(&restored, from: now, for: .seconds(2), spo2: 97, bench)
        #expect((try? restored.handle(.reset, at: now).get()) != nil, "reset once every sign is fresh and inside")
    }

    /// R2: a restart 13 s into a desaturation started its 15 s persistence again. After a restart
    /// a value first seen beyond a band counts at once; without a restart it still waits.
    @Test func aRestartDoesNotRestartAPersistence() {
        let pressure = I.bloodPressure(120, 80, at: .origin)
        var restarted = VitalsInterlock.afterRestart()
        let now = ControlInstant.origin + .seconds(13)
        #expect(restarted.evaluate(rules: I.rules, oximeter: I.oximeter(spo2: 78, at: now), charted: pressure, at: now).level(.spo2) == .critical)
        var fresh = VitalsInterlock()
        fresh.evaluate(rules: I.rules, oximeter: I.oximeter(spo2: 97, at: .origin), charted: pressure, at: .origin)
        #expect(fresh.evaluate(rules: I.rules, oximeter: I.oximeter(spo2: 78, at: now), charted: pressure, at: now).level(.spo2) == .normal)
        // Only the first value after the restart: a later excursion has its persistence again.
        var later = VitalsInterlock.afterRestart()
        later.evaluate(rules: I.rules, oximeter: I.oximeter(spo2: 97, at: now), charted: pressure, at: now)
        let dip = now + .seconds(1)
        #expect(later.evaluate(rules: I.rules, oximeter: I.oximeter(spo2: 78, at: dip), charted: pressure, at: dip).level(.spo2) == .normal)
    }

    /// R3a: a 190/100 charted before any program had aged out unjudged when the program began.
    @Test func aChartIsJudgedHoweverOldItIsWhenFirstSeen() {
        var interlock = VitalsInterlock()
        let later = ControlInstant.origin + .minutes(16)
        let verdict = interlock.evaluate(
            rules: I.rules, oximeter: I.oximeter(spo2: 97, at: later), charted: I.bloodPressure(190, 100, at: .origin), at: later)
        #expect(verdict.level(.systolic) == .critical && verdict.stopsDelivery)
    }

    /// R3b: charts were not restored: a 190/100 charted, kill -9, and the next program ran.
    @Test func chartsSurviveARestart() throws {
        var bench = try Bench()
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        try bench.command(C.chart(bp: 190, 100))
        var restored = InfusionController(restoring: bench.controller.persistentState, settings: bench.controller.settings, at: bench.now)
        #expect(restored.charted[.systolic]?.value == 190)
        let plan = try #require(restored.validate(Bench.crps(), with: bench.validator).plan)
        _ = restored.handle(.program(plan), at: bench.now)
        let now = Self.tick(&restored, from: bench.now, for: .milliseconds(2), spo2: 97, bench)
        #expect(restored.alarms.isActive(.vitalsCritical))
        #expect((try? restored.handle(.start, at: now).get()) == nil, "start with a charted 190/100")
    }

    /// R4: SpO2 `---` beside a pulse rate went unnoticed: one watched sign missing is a lost source.
    @Test func oneMissingOximeterSignIsALostSource() {
        var interlock = VitalsInterlock()
        var verdict = VitalsVerdict()
        for second in Int64(0)...20 {
            let now = ControlInstant.origin + .seconds(second)
            verdict = interlock.evaluate(rules: I.rules, oximeter: I.oximeter(spo2: nil, heartRate: 72, at: now), charted: VitalReadings(), at: now)
        }
        #expect(verdict.sourceLost, "20 s without an SpO2 (lost after 10 s)")
    }

    /// R5: `--rr 0` was refused as "outside what a living adult shows": apnoea and arrest are
    /// chartable, and critical.
    @Test func apnoeaAndArrestCanBeCharted() {
        var readings = VitalReadings()
        readings[.respiratoryRate] = VitalReading(value: 0, measuredAt: .origin)
        readings[.heartRate] = VitalReading(value: 0, measuredAt: .origin)
        #expect(readings.implausibility == nil)
        readings[.respiratoryRate] = VitalReading(value: -1, measuredAt: .origin)
        #expect(readings.implausibility?.contains("respiratory_rate -1") == true)
        var interlock = VitalsInterlock()
        var apnoea = VitalReadings()
        apnoea[.heartRate] = VitalReading(value: 0, measuredAt: .origin)
        #expect(interlock.evaluate(rules: I.rules, oximeter: nil, charted: apnoea, at: .origin).level(.heartRate) == .critical)
    }

    /// R9: stop, then reset with SpO2 still at 78 % was accepted and logged the alarm cleared.
    @Test func aStopCannotBeResetBetweenProgramsWhileTheValueStands() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(20)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 78, at: $0.now) }
        try bench.command(.stop)
        bench.run(for: .seconds(1)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 78, at: $0.now) }
        #expect((try? bench.controller.handle(.reset, at: bench.now).get()) == nil, "reset between programs at 78 %")
        // Two seconds: the first new line at 97 % comes on the next second.
        bench.run(for: .seconds(2)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 97, at: $0.now) }
        #expect((try? bench.controller.handle(.reset, at: bench.now).get()) != nil, "reset once the patient has recovered")
        // An idle pump raises nothing new.
        bench.run(for: .seconds(20)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 78, at: $0.now) }
        #expect(!bench.controller.alarms.isActive(.vitalsCritical))
    }
}
