import Foundation
import Testing

/// The `infusiond` a package installs has no simulator in it (issue 16): a bedside configuration
/// that says `kind = "simulator"` would otherwise run a pretend pump that moves nothing while the
/// technician believes it infuses.
@Suite("End to end: the shipped daemon")
struct ShippedDaemonEndToEndTests {
    @Test("infusiond refuses a simulator configuration at start and in --check-config (exit 78, naming infusiond-sim); infusiond-sim runs it")
    func simulatorConfigurationIsRefused() throws {
        let rig = try DaemonRig()
        try rig.initialiseJournal()
        let config = rig.directory + "/infusiond.toml"
        for arguments in [["--config", config, "--no-real-time"], ["--check-config", config], ["--check-config", config, "--file-only"]] {
            let shipped = try DaemonRig.run("infusiond", arguments)
            #expect(shipped.status == 78, "\(arguments): exit \(shipped.status)")
            #expect(shipped.said.contains("infusiond-sim"), "\(arguments): \(shipped.said)")
        }
        #expect(try DaemonRig.run("infusiond-sim", ["--check-config", config]).status == 0)
    }

    @Test("the shipped infusiond's binary holds no simulator code: the PumpSimulator module's name is absent, and present in infusiond-sim")
    func noSimulatorCodeIsLinked() throws {
        let marker = Data("PumpSimulator".utf8)
        let shipped = try Data(contentsOf: DaemonRig.buildDirectory.appendingPathComponent("infusiond"))
        let simulated = try Data(contentsOf: DaemonRig.buildDirectory.appendingPathComponent("infusiond-sim"))
        #expect(shipped.range(of: marker) == nil, "infusiond names PumpSimulator")
        #expect(simulated.range(of: marker) != nil, "the check itself sees nothing: infusiond-sim should name PumpSimulator")
    }
}
