import InfusionCore
import InfusionTestSupport
import PumpSimulator
import Testing

@Suite("Scenario files")
struct ScenarioParserTests {

    @Test func vitalsAreRead() throws {
        let text = SampleScenario.minimal.replacingOccurrences(of: "weight = \"70 kg\"", with: "weight = \"70 kg\"\nvitals = \"spo2=96 systolic=130\"")
            + "\n[[event]]\nat = \"2 s\"\ndo = \"vitals\"\nspo2 = 88\n\n[[event]]\nat = \"3 s\"\ndo = \"chart\"\n"
        let scenario = try ScenarioParser.parse(text, file: "t.toml", syringes: try RepositoryFiles.syringes())
        #expect(scenario.vitals?[.spo2] == 96 && scenario.vitals?[.systolic] == 130 && scenario.vitals?[.heartRate] == nil)
        guard case .fault(.vitals(let values)) = scenario.events.first?.action, case .command(.chart(nil)) = scenario.events.last?.action else {
            Issue.record("events read as \(scenario.events.map(\.action))")
            return
        }
        #expect(values[.spo2] == 88)
    }

    @Test func aKetaminePatientIsRead() throws {
        let text = SampleScenario.minimal.replacingOccurrences(
            of: "weight = \"70 kg\"", with: "weight = \"70 kg\"\nvitals = \"heart_rate=80 systolic=130\"\nketamine = \"domino\"\nsensitivity = 2.5")
            + "\n[expect]\npatient_peak_below = \"heart_rate=140\"\npatient_trough_above = \"spo2=90\"\n"
        let scenario = try ScenarioParser.parse(text, file: "t.toml", syringes: try RepositoryFiles.syringes())
        #expect(scenario.ketamineResponse == KetamineResponse(sensitivity: 2.5, sedation: 0))
        #expect(scenario.expectations.patientPeakBelow[.heartRate] == 140 && scenario.expectations.patientTroughAbove[.spo2] == 90)
    }

    @Test func theMinimalScenarioParses() throws {
        let scenario = try ScenarioParser.parse(SampleScenario.minimal, file: "t.toml", syringes: try RepositoryFiles.syringes())
        #expect(scenario.program?.concentration == MilligramsPerMillilitre(2))
        #expect(scenario.autoStart)
    }

    /// SIM-002: a scenario that cannot be read is refused saying where.
    @Test(arguments: [
        ("tick = \"1 ms\"", "tick = \"1 parsec\"", "tick"),
        ("syringe = \"BD Plastipak 50 mL\"", "syringe = \"Acme 60 mL\"", "syringe"),
        ("dose = \"0.35 mg/kg/h\"", "dose = \"0.35 mg/mL\"", "dose"),
        ("duration = \"4 h\"", "duration = \"4 h\"\nvolume = \"3 mL\"", "duration"),
        ("run_for = \"1 min\"", "run_for = \"1 min\"\n[[event]]\nat = \"1 s\"\ndo = \"explode\"", "do"),
        ("run_for = \"1 min\"", "run_for = \"1 min\"\nrunfor = \"2 min\"", "runfor"),
        ("name = \"minimal\"", "name = ", "line 1"),
        // Vital signs (issue 17): an unknown sign, a value no person shows, an event with none.
        ("weight = \"70 kg\"", "weight = \"70 kg\"\nvitals = \"spo2=97 pulse=80\"", "vitals"),
        ("weight = \"70 kg\"", "weight = \"70 kg\"\nvitals = \"spo2=140\"", "vitals"),
        ("run_for = \"1 min\"", "run_for = \"1 min\"\n[[event]]\nat = \"1 s\"\ndo = \"vitals\"\nspo2 = 0", "spo2"),
        ("run_for = \"1 min\"", "run_for = \"1 min\"\n[[event]]\nat = \"1 s\"\ndo = \"vitals\"", "do"),
        ("run_for = \"1 min\"", "run_for = \"1 min\"\n[[event]]\nat = \"1 s\"\ndo = \"chart\"\nsystolic = 1000", "systolic"),
        // The ketamine patient: a model the simulator lacks, no resting signs, a response out of
        // range, a response with no model, an expectation on a sign that is not one.
        ("weight = \"70 kg\"", "weight = \"70 kg\"\nvitals = \"heart_rate=80\"\nketamine = \"clements\"", "ketamine"),
        ("weight = \"70 kg\"", "weight = \"70 kg\"\nketamine = \"domino\"", "ketamine"),
        ("weight = \"70 kg\"", "weight = \"70 kg\"\nvitals = \"heart_rate=80\"\nketamine = \"domino\"\nsensitivity = 9", "sensitivity"),
        ("weight = \"70 kg\"", "weight = \"70 kg\"\nvitals = \"heart_rate=80\"\nketamine = \"domino\"\nsedation = -1", "sedation"),
        ("weight = \"70 kg\"", "weight = \"70 kg\"\nsedation = 0.5", "sedation"),
        ("run_for = \"1 min\"", "run_for = \"1 min\"\n[expect]\npatient_peak_below = \"pulse=140\"", "patient_peak_below"),
    ])
    func unreadableScenarioIsRefusedSayingWhere(original: String, replacement: String, field: String) throws {
        #expect(SampleScenario.minimal.contains(original), "the mutation no longer applies to the sample")
        let text = SampleScenario.minimal.replacingOccurrences(of: original, with: replacement)
        let syringes = try RepositoryFiles.syringes()
        do {
            _ = try ScenarioParser.parse(text, file: "bad.toml", syringes: syringes)
            Issue.record("accepted: \(replacement)")
        } catch {
            #expect(error.file == "bad.toml")
            #expect(error.field.contains(field), "named \(error.field): \(error)")
        }
    }
}
