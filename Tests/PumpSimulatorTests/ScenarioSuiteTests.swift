import Foundation
import InfusionCore
import InfusionTestSupport
import PumpSimulator
import Testing

/// Loads a shipped scenario with the shipped library and syringe table.
func loadScenario(_ file: String) throws -> Scenario {
    try ScenarioParser.parse(
        try RepositoryFiles.text("simulator/scenarios/\(file)"), file: file, syringes: try RepositoryFiles.syringes())
}

func shippedScenarioFiles() -> [String] {
    let directory = RepositoryFiles.root.appendingPathComponent("simulator/scenarios")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return files.filter { $0.hasSuffix(".toml") }.sorted()
}

@Suite("Shipped scenarios")
struct ScenarioSuiteTests {
    /// Every protocol of DESIGN.md section 1 and every alarm in the catalogue has a scenario, and
    /// each one's expectations hold (with the invariants every run checks: caps, one-step
    /// accuracy, no forward step under a stopping alarm, no bolus in alarm).
    @Test(arguments: shippedScenarioFiles())
    func scenarioMeetsItsExpectations(file: String) throws {
        let result = ScenarioRunner(library: try RepositoryFiles.library()).run(try loadScenario(file))
        #expect(result.failures.isEmpty, "\(file): \(result.failures.joined(separator: "; "))")
        #expect(result.maximumStepError <= 1)
        #expect(result.forwardStepsDuringStoppingAlarm == 0)
    }

    @Test func everyAlarmInTheCatalogueHasAScenarioExpectingIt() throws {
        var covered = Set<AlarmID>()
        for file in shippedScenarioFiles() {
            for alarm in try loadScenario(file).expectations.alarms { covered.insert(alarm.id) }
        }
        let missing = Set(AlarmID.allCases).subtracting(covered)
        #expect(missing.isEmpty, "no scenario expects \(missing.map(\.name).sorted())")
    }

    @Test func everyProtocolHasAScenario() {
        let files = shippedScenarioFiles()
        for name in ["ketamine-single-0.5mgkg-30min.toml", "ketamine-crps-0.35mgkgh-4h.toml", "ketamine-continuous-22mgh-100h.toml", "ketamine-loading-bolus-then-infusion.toml"] {
            #expect(files.contains(name))
        }
    }
}
