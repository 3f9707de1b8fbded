import InfusionCore
import InfusionTestSupport
import PumpSimulator
import Testing

@Suite("Lockstep determinism")
struct LockstepDeterminismTests {
    /// SIM-001: the same scenario at a 1 ms and a 10 ms tick raises the same alarms in the same
    /// order, and commands the same number of steps within one.
    @Test(arguments: [
        "alarm-occlusion.toml", "alarm-restarted-during-infusion.toml", "ketamine-loading-bolus-then-infusion.toml",
        "alarm-dose-limit-reached.toml", "alarm-near-empty.toml", "alarm-air-in-line.toml",
    ])
    func oneAndTenMillisecondTicksAgree(file: String) throws {
        let scenario = try loadScenario(file)
        let runner = ScenarioRunner(library: try RepositoryFiles.library())
        let fine = runner.run(scenario, tick: .milliseconds(1))
        let coarse = runner.run(scenario, tick: .milliseconds(10))
        #expect(fine.alarms.map(\.id) == coarse.alarms.map(\.id))
        #expect(abs(fine.commandedSteps - coarse.commandedSteps) <= 1, "\(fine.commandedSteps) vs \(coarse.commandedSteps) steps")
        #expect(fine.finalState == coarse.finalState)
        #expect(fine.passed && coarse.passed, "\(fine.failures + coarse.failures)")
    }
}
