import InfusionCore
import InfusionTestSupport
import Testing

/// The third red team's findings on the interlock (issue 17): a restart that forgot what the
/// oximeter last showed, and a lone good line that aged into a recovery.
@Suite("Vital-signs interlock: the third red team's findings")
struct VitalsThirdRedTeamTests {
    typealias I = VitalsInterlockTests

    /// E1: each 20 s, 14 lines at 78 %, one at 97 %, then 6 s without a line. The lone line,
    /// re-read each tick while it aged, counted as 5 s back inside and restarted the 15 s: 78 % for
    /// most of every minute, and no alarm at all.
    @Test func aLoneGoodLineAgeingIsNoRecovery() {
        var interlock = VitalsInterlock()
        let pressure = I.bloodPressure(120, 80, at: .origin)
        var report = I.oximeter(spo2: 97, at: .origin)
        var critical = false
        for tenth in Int64(0)..<(3 * 200) {
            let now = ControlInstant.origin + .milliseconds(tenth * 100)
            let second = tenth / 10
            if tenth % 10 == 0 {
                switch second % 20 {
                case 0..<14: report = I.oximeter(spo2: 78, at: now)
                case 14: report = I.oximeter(spo2: 97, at: now)
                default: break  // silence: the last line stands, ageing
                }
            }
            critical = critical || interlock.evaluate(rules: I.rules, oximeter: report, charted: pressure, at: now).level(.spo2) == .critical
        }
        #expect(critical, "three cycles of 14 s at 78 % in each 20 s never counted")
    }

    /// A1: a heart rate of 160, the probe then taken off, and a restart before its 30 s: the
    /// restart came back with no value and delivery ran on. What the oximeter last showed is kept,
    /// and counts at once after the restart; a fresh value inside the band releases it.
    @Test func aRestartRemembersWhatTheOximeterLastShowed() {
        var interlock = VitalsInterlock()
        let pressure = I.bloodPressure(120, 80, at: .origin)
        interlock.evaluate(rules: I.rules, oximeter: I.oximeter(spo2: 97, at: .origin), charted: pressure, at: .origin)
        let line = I.oximeter(spo2: 97, heartRate: 160, at: .origin + .seconds(1))
        for second in Int64(1)...5 {
            interlock.evaluate(rules: I.rules, oximeter: line, charted: pressure, at: .origin + .seconds(second))
        }
        #expect(interlock.verdict.level(.heartRate) == .normal, "not yet persisted")
        #expect(interlock.oximeterMemory.level(.heartRate) == .critical)
        // The probe off: the last line ages past the oximeter's 10 s grace before the restart.
        for second in Int64(6)...12 {
            interlock.evaluate(rules: I.rules, oximeter: line, charted: pressure, at: .origin + .seconds(second))
        }
        let restart = ControlInstant.origin + .seconds(13)
        var restarted = VitalsInterlock.afterRestart(remembering: interlock.oximeterMemory, at: restart)
        #expect(restarted.evaluate(rules: I.rules, oximeter: line, charted: pressure, at: restart).level(.heartRate) == .critical)
        let fresh = I.oximeter(spo2: 97, heartRate: 80, at: restart + .seconds(1))
        #expect(restarted.evaluate(rules: I.rules, oximeter: fresh, charted: pressure, at: restart + .seconds(1)).level(.heartRate) == .normal)
    }

    /// B1: SpO2 78 % stopped delivery, the oximeter went silent, kill -9; after the restart a
    /// chart of normal values let reset and resume through with the oximeter's last value 78 %.
    @Test func chartsDoNotReleaseWhatTheOximeterLastShowedAfterARestart() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(20)) { $0.motor.sensors.oximeter = VitalsControllerTests.oximeter(spo2: 78, at: $0.now) }
        #expect(bench.controller.alarms.isActive(.vitalsCritical))
        let lastLine = bench.motor.sensors.oximeter
        bench.run(for: .seconds(20)) { $0.motor.sensors.oximeter = lastLine }
        var restored = InfusionController(restoring: bench.controller.persistentState, settings: bench.controller.settings, at: bench.now)
        var now = bench.now
        var sensors = bench.motor.sensors
        sensors.oximeter = lastLine
        func tick(for duration: ControlDuration) {
            let end = now + duration
            while now < end {
                now = now + .milliseconds(1)
                _ = restored.tick(now: now, sensors: sensors)
            }
        }
        tick(for: .seconds(1))
        var readings = VitalReadings()
        for (sign, value) in [(VitalSign.spo2, 97.0), (.heartRate, 80), (.systolic, 120), (.diastolic, 80), (.respiratoryRate, 14)] {
            readings[sign] = VitalReading(value: value, measuredAt: now)
        }
        #expect((try? restored.handle(.chart(readings), at: now).get()) != nil, "the chart is taken")
        tick(for: .seconds(2))
        #expect((try? restored.handle(.reset, at: now).get()) == nil, "reset with the oximeter's last SpO2 at 78 %")
        // A fresh line at 97 % is what releases it.
        sensors.oximeter = VitalsControllerTests.oximeter(spo2: 97, at: now + .seconds(1))
        tick(for: .seconds(2))
        let released = restored.handle(.reset, at: now)
        #expect((try? released.get()) != nil, "reset once the oximeter shows 97 %: \(released)")
    }

    /// C1: SpO2 78 % for four minutes before the program, then program and start: 15 s of
    /// delivery, as if the desaturation began at the start. The interlock's first look counts what
    /// it sees at once, as after a restart.
    @Test func aPatientAlreadyCriticalIsNotStarted() {
        var interlock = VitalsInterlock()
        let now = ControlInstant.origin + .minutes(5)
        let verdict = interlock.evaluate(rules: I.rules, oximeter: I.oximeter(spo2: 78, at: now), charted: I.bloodPressure(120, 80, at: now), at: now)
        #expect(verdict.level(.spo2) == .critical && verdict.stopsDelivery)
    }
}
