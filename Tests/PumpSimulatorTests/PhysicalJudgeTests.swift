import InfusionCore
import InfusionTestSupport
import PumpSimulator
import Testing

/// The physics judge (SIM-003) can fail: fed a pump whose motion the controller cannot see, it
/// says so. Without this a judge that never complains would pass every property test.
@Suite("The physics judge")
struct PhysicalJudgeTests {
    @Test("a runaway on a pump with no encoder pushes drug no ledger holds: the judge reports (b) and, given time, (a)")
    func judgeSeesMotionTheControllerCannot() throws {
        let text = SampleScenario.minimal
            .replacingOccurrences(of: "fill = \"50 mL\"", with: "fill = \"50 mL\"\nencoder = false")
            .replacingOccurrences(of: "run_for = \"1 min\"", with: "run_for = \"70 min\"")
            + "\n[[event]]\nat = \"10 s\"\ndo = \"runaway\"\nrate = \"100 mL/h\"\n"
        let scenario = try ScenarioParser.parse(text, file: "judge", syringes: try RepositoryFiles.syringes())
        let result = ScenarioRunner(library: try RepositoryFiles.library()).run(scenario)
        #expect(result.physicalViolationCount > 0)
        #expect(result.physicalViolations.first?.hasPrefix("(b)") == true, "\(result.physicalViolations)")
        #expect(result.failures.contains { $0.contains("the physics broke a safety property") })
        // The same scenario with its encoder: the monitor sees the runaway and the judge is content.
        let seen = try ScenarioParser.parse(text.replacingOccurrences(of: "encoder = false", with: "encoder = true"), file: "judge", syringes: try RepositoryFiles.syringes())
        let fine = ScenarioRunner(library: try RepositoryFiles.library()).run(seen)
        #expect(fine.physicalViolationCount == 0, "\(fine.physicalViolations)")
    }
}
