import InfusionCore
import InfusionTestSupport
import PumpSimulator
import Testing

/// The simulator's ketamine patient (issue 17): Domino's model as published, the signs moving with
/// it as docs/simulator.md says, and the closed-loop scenario's patient spared by the interlock.
@Suite("Ketamine patient")
struct KetaminePatientTests {
    /// At steady state the infusion rate equals elimination, k10 · V1 · C: 0.35 mg/kg/h for 70 kg
    /// is 24.5 mg/h over 1.932 L/min, 211.35 ng/mL. Domino's slow compartment (k31 0.0146 /min)
    /// takes days to fill; after 200 h the rest is below 0.5 %.
    @Test("a steady infusion settles where rate equals clearance")
    func steadyStateIsRateOverClearance() {
        var model = DominoKetamineModel(weightKilograms: 70)
        for _ in 0..<200 { model.advance(milligrams: 24.5, seconds: 3_600) }
        let expected = 24.5 / 60 / (DominoKetamineModel.k10 * 0.063 * 70) * 1_000
        #expect(abs(expected - 211.35) < 0.01)
        #expect(abs(model.plasmaNanogramsPerMillilitre - expected) / expected < 0.005, "\(model.plasmaNanogramsPerMillilitre) ng/mL")
        #expect(abs(model.effectSiteNanogramsPerMillilitre - expected) / expected < 0.005)
    }

    /// A bolus into the central compartment: plasma at once dose / V1; the effect site peaks about
    /// a minute later, the time to peak opentiva derived ke0 from.
    @Test("a bolus peaks in plasma at once and at the effect site about a minute later")
    func bolusPeaksAsPublished() {
        var model = DominoKetamineModel(weightKilograms: 70)
        model.advance(milligrams: 24.5, seconds: 0)
        #expect(abs(model.plasmaNanogramsPerMillilitre - 24.5 / 4.41 * 1_000) < 1)
        var peak = (seconds: 0, value: 0.0)
        for second in 1...300 {
            model.advance(milligrams: 0, seconds: 1)
            if model.effectSiteNanogramsPerMillilitre > peak.value { peak = (second, model.effectSiteNanogramsPerMillilitre) }
        }
        #expect((45...90).contains(peak.seconds), "effect site peaked at \(peak.seconds) s")
        #expect(model.plasmaNanogramsPerMillilitre < 0.2 * 24.5 / 4.41 * 1_000, "distribution and elimination take most of it within 5 min")
    }

    /// Heart rate +43.5 % and pressure +27 % at 1959 ng/mL (Långsjö 2005), straight lines through
    /// zero, times the sensitivity; sedation lowers SpO2 and breathing and nothing else.
    @Test("the signs move with the effect-site concentration as documented")
    func signsFollowTheConcentration() {
        var resting = PerSign<Double>()
        for (sign, value) in [(VitalSign.spo2, 97.0), (.heartRate, 80), (.systolic, 130), (.diastolic, 80), (.respiratoryRate, 14)] {
            resting[sign] = value
        }
        var patient = KetaminePatient(weightKilograms: 70, resting: resting, sensitivity: 2, sedation: 1)
        #expect(patient.vitals == resting, "no drug, no change")
        for _ in 0..<60 { patient.model.advance(milligrams: 2, seconds: 60) }
        let concentration = patient.model.effectSiteNanogramsPerMillilitre
        let signs = patient.vitals
        #expect(abs(signs[.heartRate]! - 80 * (1 + 2 * 0.435 * concentration / 1_959)) < 1e-9)
        #expect(abs(signs[.systolic]! - 130 * (1 + 2 * 0.27 * concentration / 1_959)) < 1e-9)
        let sedated = concentration / (concentration + 500)
        #expect(abs(signs[.spo2]! - (97 - 10 * sedated)) < 1e-9)
        #expect(abs(signs[.respiratoryRate]! - 14 * (1 - 0.5 * sedated)) < 1e-9)
        patient.sedation = 0
        #expect(patient.vitals[.spo2] == 97 && patient.vitals[.respiratoryRate] == 14)
    }

    /// The closed-loop scenario twice: as shipped, and with the drug's vital-signs rules taken out
    /// of the library. The interlock is what keeps this patient out of a hypertensive crisis.
    @Test("the closed-loop patient is spared by the interlock, and harmed without it")
    func interlockSparesTheClosedLoopPatient() throws {
        let scenario = try loadScenario("vitals-ketamine-patient-closed-loop.toml")
        let library = try RepositoryFiles.library()
        let guarded = ScenarioRunner(library: library).run(scenario)
        #expect(guarded.failures.isEmpty, "\(guarded.failures)")
        #expect(guarded.finalState == .stoppedByAlarm)

        var open = scenario
        open.expectations = ScenarioExpectations()
        let unguarded = ScenarioRunner(library: library.withVitals { _ in nil }).run(open)
        #expect(!unguarded.alarms.contains { $0.id == .vitalsCritical })
        #expect((unguarded.patientPeak[.systolic] ?? 0) >= 180, "systolic peaked at \(unguarded.patientPeak[.systolic] ?? 0)")
        #expect((unguarded.patientPeak[.heartRate] ?? 0) >= 135, "heart rate peaked at \(unguarded.patientPeak[.heartRate] ?? 0)")
        #expect((guarded.peakEffectSite ?? .infinity) < 0.8 * (unguarded.peakEffectSite ?? 0))
    }
}
