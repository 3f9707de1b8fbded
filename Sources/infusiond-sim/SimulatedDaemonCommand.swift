import ArgumentParser
import DaemonCommandLine
import InfusionDaemonSimulator

/// `infusiond-sim`: the same daemon with the in-process simulator linked in, for the
/// demonstration, the end-to-end tests and the benchmarks. Never packaged.
@main
struct SimulatedDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infusiond-sim",
        abstract: "infusiond with the in-process pump simulator (hardware.kind = \"simulator\"); for demonstrations and tests, never a bedside.")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await DaemonMain.run(options, simulator: InProcessSimulator())
    }
}
