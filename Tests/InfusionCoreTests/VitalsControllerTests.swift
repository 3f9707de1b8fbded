import InfusionCore
import InfusionTestSupport
import Testing

/// The interlock in the tick (issue 17), with the shipped ketamine library's bands: SpO2 critical
/// below 90 % after 15 s, heart rate warning above 120 after 30 s, blood pressure charted.
@Suite("Vital-signs interlock in the controller")
struct VitalsControllerTests {
    /// An oximeter line every second, as the daemon's reader publishes it: the values of the
    /// latest line, stamped when it arrived.
    static func oximeter(spo2: Double, heartRate: Double = 80, at now: ControlInstant) -> OximeterReport {
        let second = ControlInstant(nanoseconds: now.nanoseconds / 1_000_000_000 * 1_000_000_000)
        var readings = VitalReadings()
        readings[.spo2] = VitalReading(value: spo2, measuredAt: second)
        readings[.heartRate] = VitalReading(value: heartRate, measuredAt: second)
        return OximeterReport(lineAt: second, readings: readings)
    }

    static func chart(bp systolic: Double, _ diastolic: Double) -> TechnicianCommand {
        var readings = VitalReadings()
        readings[.systolic] = VitalReading(value: systolic, measuredAt: .origin)
        readings[.diastolic] = VitalReading(value: diastolic, measuredAt: .origin)
        return .chart(readings)
    }

    @Test func aDesaturationStopsDeliveryOnceItHasPersisted() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(30)) { $0.motor.sensors.oximeter = Self.oximeter(spo2: 97, at: $0.now) }
        #expect(bench.controller.state == .running && !bench.controller.alarms.anyActive)
        let onset = bench.now
        var stoppedAt: ControlInstant?
        var forwardAtStop: Int64 = 0
        bench.run(for: .seconds(30)) { bench in
            bench.motor.sensors.oximeter = Self.oximeter(spo2: 78, at: bench.now)
            if stoppedAt == nil, bench.controller.alarms.isActive(.vitalsCritical) {
                stoppedAt = bench.now
                forwardAtStop = bench.motor.forwardSteps
            }
        }
        let stop = try #require(stoppedAt, "78 % for 30 s never stopped delivery")
        // The first line at 78 % is the next one, within a second of the onset (a value re-read
        // under its old line's stamp is no new line); it counts 15 s on, in the tick after.
        #expect(stop - onset <= .seconds(16) + .milliseconds(1) && stop - onset >= .seconds(14), "onset to stop \(stop - onset)")
        #expect(bench.controller.state == .stoppedByAlarm)
        #expect(bench.motor.forwardSteps == forwardAtStop, "no step after the stop")
        // Reset waits for the patient, not the clock.
        #expect((try? bench.controller.handle(.reset, at: bench.now).get()) == nil, "reset while SpO2 is 78 %")
        bench.run(for: .seconds(2)) { $0.motor.sensors.oximeter = Self.oximeter(spo2: 96, at: $0.now) }
        try bench.command(.reset)
        try bench.command(.resume)
        #expect(bench.controller.state == .running)
    }

    @Test func oneWarningWatchesTwoStop() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(60)) { $0.motor.sensors.oximeter = Self.oximeter(spo2: 97, heartRate: 125, at: $0.now) }
        #expect(bench.controller.alarms.isActive(.vitalsWarning) && !bench.controller.alarms.isActive(.vitalsCritical))
        #expect(bench.controller.state == .running, "one warning does not stop")
        // DESIGN.md rule 6: no bolus while any alarm is active; the vitals' included.
        guard case .failure(let refusal) = bench.controller.handle(.bolus(MilligramsPerKilogram(0.1), confirmSoftLimits: true), at: bench.now) else {
            Issue.record("bolus accepted during vitals_warning")
            return
        }
        #expect(refusal.description.contains("vitals_warning"), "\(refusal)")
        // A charted blood pressure over its warning band is the second warning: at once.
        try bench.command(Self.chart(bp: 165, 95))
        bench.run(for: .milliseconds(2)) { $0.motor.sensors.oximeter = Self.oximeter(spo2: 97, heartRate: 125, at: $0.now) }
        #expect(bench.controller.alarms.isActive(.vitalsCritical) && bench.controller.state == .stoppedByAlarm)
    }

    @Test func aChartedCriticalPressureStopsAtOnce() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(1))
        try bench.command(Self.chart(bp: 190, 100))
        bench.run(for: .milliseconds(1))
        #expect(bench.controller.alarms.isActive(.vitalsCritical) && bench.controller.state == .stoppedByAlarm)
    }

    @Test func nothingIsWatchedWithoutAProgram() throws {
        var bench = try Bench()
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        bench.run(for: .seconds(30)) { $0.motor.sensors.oximeter = Self.oximeter(spo2: 70, at: $0.now) }
        #expect(!bench.controller.alarms.anyActive, "an idle pump is not a monitor")
    }

    @Test func anImplausibleChartChangesNothing() throws {
        var bench = try Bench()
        try bench.startInfusion()
        guard case .failure(let refusal) = bench.controller.handle(Self.chart(bp: 80, 120), at: bench.now) else {
            Issue.record("diastolic above systolic accepted")
            return
        }
        #expect(refusal.description.contains("not below systolic"), "\(refusal)")
        #expect(bench.controller.charted.isEmpty)
        bench.run(for: .seconds(1))
        #expect(bench.controller.state == .running && !bench.controller.alarms.anyActive)
    }

    @Test func anOximeterTakenOffIsALostSourceNotAStop() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(5)) { $0.motor.sensors.oximeter = Self.oximeter(spo2: 97, at: $0.now) }
        bench.run(for: .seconds(20)) { $0.motor.sensors.oximeter = OximeterReport(lineAt: $0.now, invalidBecause: .sensorOff) }
        #expect(bench.controller.alarms.isActive(.vitalsSourceLost) && bench.controller.state == .running)
    }
}
