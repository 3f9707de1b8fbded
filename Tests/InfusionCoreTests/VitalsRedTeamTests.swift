import InfusionCore
import InfusionTestSupport
import Testing

/// The red team's findings on the interlock (issue 17), each a reproduction that delivered into a
/// critical patient, or alarmed nothing, before its fix.
@Suite("Vital-signs interlock: the red team's findings")
struct VitalsRedTeamTests {
    typealias C = VitalsControllerTests

    static func chart(spo2: Double) -> TechnicianCommand {
        var readings = VitalReadings()
        readings[.spo2] = VitalReading(value: spo2, measuredAt: .origin)
        return .chart(readings)
    }

    /// F2: a charted SpO2 of 99 once beat the oximeter's 78 % as "fresher": reset, resume and a
    /// bolus went through. Each source is judged on its own now; the worse counts.
    @Test func aChartCannotMaskTheOximeter() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(20)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 78, at: $0.now) }
        #expect(bench.controller.state == .stoppedByAlarm)
        try bench.command(Self.chart(spo2: 99))
        bench.run(for: .milliseconds(2)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 78, at: $0.now) }
        #expect((try? bench.controller.handle(.reset, at: bench.now).get()) == nil, "reset with the oximeter at 78 %")
        // Charting 99 every 10 s never resets the oximeter's clock either.
        var fresh = try Bench()
        try fresh.startInfusion()
        var forwardAfter = Int64(0)
        fresh.run(for: .seconds(40)) { bench in
            bench.motor.sensors.oximeter = C.oximeter(spo2: 78, at: bench.now)
            if bench.now.nanoseconds % 10_000_000_000 == 0 { _ = bench.controller.handle(Self.chart(spo2: 99), at: bench.now) }
            if bench.now > .origin + .seconds(17) { forwardAfter += max(0, bench.last.steps) }
        }
        #expect(fresh.controller.alarms.isActive(.vitalsCritical) && forwardAfter == 0, "\(forwardAfter) steps after 17 s at 78 %")
    }

    /// F3: stop, program and start once bought a fresh 15 s of persistence at 78 %.
    @Test func anotherProgramDoesNotBuyAFreshPersistence() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(20)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 78, at: $0.now) }
        try bench.command(.stop)
        bench.run(for: .seconds(1)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 78, at: $0.now) }
        _ = bench.controller.handle(.reset, at: bench.now)
        let plan = try #require(bench.controller.validate(Bench.crps(), with: bench.validator).plan)
        try bench.command(.program(plan))
        bench.run(for: .milliseconds(2)) { $0.motor.sensors.oximeter = C.oximeter(spo2: 78, at: $0.now) }
        #expect((try? bench.controller.handle(.start, at: bench.now).get()) == nil, "start at 78 % after a stop")
        #expect(bench.controller.alarms.isActive(.vitalsCritical))
    }

    /// F1: a charted 190/100 was forgotten across a restart; reset and resume went through.
    @Test func aRestartKeepsAVitalsStopUntilFreshValues() throws {
        var bench = try Bench()
        try bench.startInfusion()
        try bench.command(C.chart(bp: 190, 100))
        bench.run(for: .milliseconds(2))
        #expect(bench.controller.alarms.isActive(.vitalsCritical))
        var restored = InfusionController(restoring: bench.controller.persistentState, settings: bench.controller.settings, at: bench.now)
        var now = bench.now
        for _ in 0..<100 {
            now = now + .milliseconds(1)
            _ = restored.tick(now: now, sensors: bench.motor.sensors)
        }
        #expect((try? restored.handle(.reset, at: now).get()) == nil, "reset after a restart with no fresh observation")
        // Fresh, normal values of every watched sign let it go.
        var readings = VitalReadings()
        for (sign, value) in [(VitalSign.spo2, 97.0), (.heartRate, 76), (.systolic, 128), (.diastolic, 80), (.respiratoryRate, 14)] {
            readings[sign] = VitalReading(value: value, measuredAt: .origin)
        }
        _ = restored.handle(.chart(readings), at: now)
        now = now + .milliseconds(1)
        _ = restored.tick(now: now, sensors: bench.motor.sensors)
        #expect((try? restored.handle(.reset, at: now).get()) != nil, "reset once every sign is fresh and inside")
    }

    /// F4: a library watching heart rate alone never called a silent oximeter lost.
    @Test func aSilentOximeterIsLostWhateverSignItGives() {
        let rules = VitalsRules(
            bands: [.heartRate: VitalBand(warningAbove: 120, criticalAbove: 150, persist: .seconds(30))], requireOximeter: true,
            oximeterLostAfter: .seconds(10), requiredCharted: [], chartEvery: .minutes(15), chartGrace: .minutes(5))
        var interlock = VitalsInterlock()
        let t0 = ControlInstant.origin
        interlock.evaluate(rules: rules, oximeter: C.oximeter(spo2: 97, at: t0), charted: VitalReadings(), at: t0)
        let silent = interlock.evaluate(rules: rules, oximeter: OximeterReport(lineAt: t0), charted: VitalReadings(), at: t0 + .seconds(11))
        #expect(silent.sourceLost)
    }

    /// F5: SpO2 wandering ±6 around 86 % (motion) once only ever warned: any line back above 90
    /// restarted the clock. A recovery must itself last 5 s.
    @Test func aNoisyDesaturationStillCounts() {
        var interlock = VitalsInterlock()
        let pressure = VitalsInterlockTests.bloodPressure(120, 80, at: .origin)
        var stoppedAt: Int64?
        for second in Int64(0)...60 where stoppedAt == nil {
            let now = ControlInstant.origin + .seconds(second)
            let value = 86.0 + [0, 6, -4, 5, -6, 2, 6][Int(second % 7)]
            let verdict = interlock.evaluate(
                rules: VitalsInterlockTests.rules, oximeter: VitalsInterlockTests.oximeter(spo2: value, at: now), charted: pressure, at: now)
            if verdict.stopsDelivery { stoppedAt = second }
        }
        #expect(stoppedAt != nil && stoppedAt! <= 20, "stopped at \(stoppedAt.map(String.init) ?? "never")")
    }

    /// F6: the probe taken off 13.5 s into a desaturation left the onset forever incomplete.
    @Test func aProbeTakenOffMidOnsetStillCompletesIt() {
        var interlock = VitalsInterlock()
        let pressure = VitalsInterlockTests.bloodPressure(120, 80, at: .origin)
        var verdict = VitalsVerdict()
        for second in Int64(0)...30 {
            let now = ControlInstant.origin + .seconds(second)
            let report = second <= 13 ? VitalsInterlockTests.oximeter(spo2: 78, at: now) : OximeterReport(lineAt: now, invalidBecause: .sensorOff)
            verdict = interlock.evaluate(rules: VitalsInterlockTests.rules, oximeter: report, charted: pressure, at: now)
        }
        #expect(verdict.level(.spo2) == .critical && verdict.stopsDelivery)
    }

    /// F8: a new patient once inherited the last patient's charted pressure.
    @Test func aNewPatientStartsWithNoObservations() throws {
        var bench = try Bench()
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        try bench.command(C.chart(bp: 128, 80))
        try bench.command(.newPatient(weight: Kilograms(60), id: "MRN-9"))
        #expect(bench.controller.charted.isEmpty)
    }
}
