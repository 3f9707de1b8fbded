import InfusionCore
import InfusionTestSupport
import PumpSimulator
import Testing

@Suite("Scenario files")
struct ScenarioParserTests {

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
