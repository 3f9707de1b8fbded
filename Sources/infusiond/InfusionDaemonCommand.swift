import ArgumentParser
import DaemonCommandLine

/// `infusiond`: the daemon a package installs at a bedside. It drives real pumps only (the NE-1000
/// over serial, the stepper over GPIO); it has no simulator in it, and refuses a configuration
/// that asks for one.
@main
struct InfusionDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infusiond",
        abstract: "Drives a syringe pump for IV ketamine therapy; technicians use infusionctl.")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await DaemonMain.run(options, simulator: nil)
    }
}
