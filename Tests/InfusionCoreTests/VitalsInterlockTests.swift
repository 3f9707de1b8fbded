import InfusionCore
import Testing

/// The vital-signs interlock's rules (issue 17), one at a time, in control time.
@Suite("Vital-signs interlock")
struct VitalsInterlockTests {
    let t0 = ControlInstant.origin

    /// SpO2 warn below 94, critical below 88, persisting 15 s; heart rate warn above 120, critical
    /// above 150, persisting 30 s; blood pressure charted, warn above 160/100, critical above 180/110.
    static let rules = VitalsRules(
        bands: [
            .spo2: VitalBand(warningBelow: 94, criticalBelow: 88, persist: .seconds(15)),
            .heartRate: VitalBand(warningBelow: 45, warningAbove: 120, criticalBelow: 35, criticalAbove: 150, persist: .seconds(30)),
            .systolic: VitalBand(warningBelow: 90, warningAbove: 160, criticalBelow: 80, criticalAbove: 180, persist: .seconds(0)),
            .diastolic: VitalBand(warningAbove: 100, criticalAbove: 110, persist: .seconds(0)),
        ],
        requireOximeter: true, oximeterLostAfter: .seconds(10), requiredCharted: [.systolic, .diastolic],
        chartEvery: .minutes(15), chartGrace: .minutes(5))

    static func oximeter(spo2: Double?, heartRate: Double? = 80, at time: ControlInstant) -> OximeterReport {
        var readings = VitalReadings()
        readings[.spo2] = spo2.map { VitalReading(value: $0, measuredAt: time) }
        readings[.heartRate] = heartRate.map { VitalReading(value: $0, measuredAt: time) }
        return OximeterReport(lineAt: time, readings: readings)
    }

    static func bloodPressure(_ systolic: Double, _ diastolic: Double, at time: ControlInstant) -> VitalReadings {
        var readings = VitalReadings()
        readings[.systolic] = VitalReading(value: systolic, measuredAt: time)
        readings[.diastolic] = VitalReading(value: diastolic, measuredAt: time)
        return readings
    }

    /// Feeds one oximeter line a second (`spo2(second)`) and answers the first second at which the
    /// verdict stops delivery, or nil within `seconds`.
    func firstStop(seconds: Int64, charted: VitalReadings? = nil, _ spo2: (Int64) -> Double?) -> Int64? {
        var interlock = VitalsInterlock()
        let chart = charted ?? Self.bloodPressure(120, 80, at: t0)
        for second in 0...seconds {
            let now = t0 + .seconds(second)
            if interlock.evaluate(rules: Self.rules, oximeter: Self.oximeter(spo2: spo2(second), at: now), charted: chart, at: now).stopsDelivery {
                return second
            }
        }
        return nil
    }

    @Test func aDesaturationStopsOnceItHasPersisted() {
        // 78 % from second 10: counts at 10 + 15 s.
        #expect(firstStop(seconds: 60) { $0 >= 10 ? 78 : 97 } == 25)
    }

    @Test func anArtefactShorterThanThePersistenceDoesNotStop() {
        // 14 s of 70 %, then back: never counts.
        #expect(firstStop(seconds: 120) { (10..<24).contains($0) ? 70 : 97 } == nil)
    }

    @Test func aVoidLineDoesNotForgiveADesaturation() {
        // 80 % from second 1, every third line void (probe slipping): the onset stands, so it still
        // counts 15 s on. (A first look that already sees 80 % counts at once.)
        #expect(firstStop(seconds: 60) { $0 == 0 ? 97 : $0 % 3 == 2 ? nil : 80 } == 16)
    }

    @Test func oneWarningWarnsTwoStop() {
        var interlock = VitalsInterlock()
        let pressure = Self.bloodPressure(165, 85, at: t0)
        var verdict = VitalsVerdict()
        for second in Int64(0)...40 {
            let now = t0 + .seconds(second)
            verdict = interlock.evaluate(rules: Self.rules, oximeter: Self.oximeter(spo2: 97, at: now), charted: pressure, at: now)
        }
        #expect(verdict.warning == 1 << UInt8(VitalSign.systolic.rawValue) && !verdict.stopsDelivery, "a charted warning counts at once, alone it only warns")
        for second in Int64(41)...90 {
            let now = t0 + .seconds(second)
            verdict = interlock.evaluate(rules: Self.rules, oximeter: Self.oximeter(spo2: 92, at: now), charted: pressure, at: now)
            if verdict.stopsDelivery {
                #expect(second == 41 + 15, "the second warning counted after its persistence")
                break
            }
        }
        #expect(verdict.stopsDelivery && verdict.critical == 0 && verdict.warnings == 2)
    }

    @Test func aChartedCriticalCountsAtOnce() {
        var interlock = VitalsInterlock()
        let verdict = interlock.evaluate(rules: Self.rules, oximeter: Self.oximeter(spo2: 97, at: t0), charted: Self.bloodPressure(190, 95, at: t0), at: t0)
        #expect(verdict.level(.systolic) == .critical && verdict.stopsDelivery)
    }

    @Test func aSilentOximeterIsALostSourceAfterItsGrace() {
        var interlock = VitalsInterlock()
        let pressure = Self.bloodPressure(120, 80, at: t0)
        let last = Self.oximeter(spo2: 97, at: t0)
        #expect(!interlock.evaluate(rules: Self.rules, oximeter: last, charted: pressure, at: t0).sourceLost)
        #expect(!interlock.evaluate(rules: Self.rules, oximeter: last, charted: pressure, at: t0 + .seconds(10)).sourceLost)
        let lost = interlock.evaluate(rules: Self.rules, oximeter: last, charted: pressure, at: t0 + .seconds(11))
        #expect(lost.sourceLost && lost.warnings == 1 && !lost.stopsDelivery)
        var unfitted = VitalsInterlock()
        #expect(unfitted.evaluate(rules: Self.rules, oximeter: nil, charted: pressure, at: t0).sourceLost, "required and not fitted")
        var voided = VitalsInterlock()
        voided.evaluate(rules: Self.rules, oximeter: last, charted: pressure, at: t0)
        let void = OximeterReport(lineAt: t0 + .seconds(5), invalidBecause: .interference)
        #expect(!voided.evaluate(rules: Self.rules, oximeter: void, charted: pressure, at: t0 + .seconds(5)).sourceLost, "one void line is within the grace")
        #expect(voided.evaluate(rules: Self.rules, oximeter: void, charted: pressure, at: t0 + .seconds(11)).sourceLost, "void past the grace is lost")
    }

    @Test func aProbeTakenOffADesaturatedFingerKeepsTheStop() {
        var interlock = VitalsInterlock()
        let pressure = Self.bloodPressure(120, 80, at: t0)
        for second in Int64(0)...20 {
            interlock.evaluate(rules: Self.rules, oximeter: Self.oximeter(spo2: 80, at: t0 + .seconds(second)), charted: pressure, at: t0 + .seconds(second))
        }
        #expect(interlock.verdict.level(.spo2) == .critical)
        let off = OximeterReport(lineAt: t0 + .seconds(21), invalidBecause: .sensorOff)
        let verdict = interlock.evaluate(rules: Self.rules, oximeter: off, charted: pressure, at: t0 + .seconds(21))
        #expect(verdict.level(.spo2) == .critical && verdict.stopsDelivery, "no value is no recovery")
        let back = interlock.evaluate(rules: Self.rules, oximeter: Self.oximeter(spo2: 97, at: t0 + .seconds(22)), charted: pressure, at: t0 + .seconds(22))
        #expect(!back.stopsDelivery && back.level(.spo2) == .normal)
    }

    @Test func aChartedObservationAgesIntoAReminderThenALostSource() {
        var interlock = VitalsInterlock()
        let pressure = Self.bloodPressure(120, 80, at: t0)
        func verdict(atMinute minute: Int64) -> VitalsVerdict {
            let now = t0 + .minutes(minute)
            return interlock.evaluate(rules: Self.rules, oximeter: Self.oximeter(spo2: 97, at: now), charted: pressure, at: now)
        }
        #expect(verdict(atMinute: 15) == VitalsVerdict())
        let due = verdict(atMinute: 16)
        #expect(due.chartDue && !due.sourceLost)
        let missing = verdict(atMinute: 21)
        #expect(missing.sourceLost && !missing.stopsDelivery)
    }

    @Test func chartedValuesOutsideWhatAPersonShowsAreNotReadings() {
        #expect(Self.bloodPressure(120, 80, at: t0).implausibility == nil)
        #expect(Self.bloodPressure(80, 120, at: t0).implausibility?.contains("not below systolic") == true)
        #expect(Self.bloodPressure(1500, 80, at: t0).implausibility?.contains("not a value a person can be charted with") == true)
        var spo2 = VitalReadings()
        spo2[.spo2] = VitalReading(value: .nan, measuredAt: t0)
        #expect(spo2.implausibility != nil)
    }
}
