import Foundation
import InfusionTestSupport
import Testing

/// `pumpsim run`'s exit codes are a contract (issue: 0 all expectations hold, 1 one fails, 2 the
/// scenario cannot be read). These tests run the built executable.
@Suite("pumpsim command line")
struct PumpsimCommandTests {
    /// The pumpsim built beside this test bundle.
    static var executable: URL {
        Bundle.main.bundleURL.appendingPathComponent("pumpsim")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = RepositoryFiles.root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try launch(process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func temporaryScenario(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pumpsim-\(UUID().uuidString).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }


    @Test func exitsZeroWhenEveryExpectationHolds() throws {
        let (status, output) = try Self.run(["run", try Self.temporaryScenario(SampleScenario.minimalExpectingRunning), "--json"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"passed\" : true"))
    }

    @Test func exitsOneNamingTheExpectationThatFailed() throws {
        let failing = SampleScenario.minimalExpectingRunning.replacingOccurrences(of: "state = \"running\"", with: "state = \"completed\"")
        let (status, output) = try Self.run(["run", try Self.temporaryScenario(failing)])
        #expect(status == 1)
        #expect(output.contains("FAIL: expected the final state completed, got running"))
    }

    @Test func exitsTwoSayingWhereTheScenarioCannotBeRead() throws {
        let broken = SampleScenario.minimalExpectingRunning.replacingOccurrences(of: "dose = \"0.35 mg/kg/h\"", with: "dose = \"0.35 bananas\"")
        let path = try Self.temporaryScenario(broken)
        let (status, output) = try Self.run(["run", path])
        #expect(status == 2)
        #expect(output.contains("\(path): [program] dose") || output.contains("dose: \"0.35 bananas\""), "\(output)")
        let missing = try Self.run(["run", "/nonexistent/scenario.toml"])
        #expect(missing.status == 2)
    }

    @Test func reportWritesTheThreeFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
        let (status, _) = try Self.run(["run", try Self.temporaryScenario(SampleScenario.minimalExpectingRunning), "--report", directory.path])
        #expect(status == 0)
        for file in ["summary.json", "trumpet.svg", "trace.svg"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file) missing")
        }
    }
}
