import ArgumentParser
import Foundation
import InfusionDaemon
import Logging
import ServiceLifecycle

/// `infusiond`: the daemon. `--check-config` reads the configuration and every file it names and
/// says what it would run, or what is wrong (file, key, reason), without starting anything.
@main
struct InfusionDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infusiond",
        abstract: "Drives a syringe pump for IV ketamine therapy; technicians use infusionctl.")

    @Option(help: "The configuration file.")
    var config = DaemonConfiguration.defaultPath

    @Option(name: .customLong("check-config"), help: "Check this configuration file and exit: 0 when it is good, 78 when not.")
    var checkConfig: String?

    @Flag(help: "Do not ask for SCHED_FIFO, mlockall or cpu_dma_latency (tests, machines that refuse them).")
    var noRealTime = false

    /// EX_CONFIG: the service unit does not restart on it (RestartPreventExitStatus=78).
    static let configurationExitCode: Int32 = 78

    func run() async throws {
        if let path = checkConfig {
            do {
                let loaded = try LoadedConfiguration.load(path: path)
                print("\(path): good\n\(loaded.summary)")
                return
            } catch {
                printError("infusiond: \(error)")
                throw ExitCode(Self.configurationExitCode)
            }
        }
        let started = ContinuousClock.now
        let loaded: LoadedConfiguration
        let daemon: Daemon
        do {
            loaded = try LoadedConfiguration.load(path: config)
            daemon = try Daemon.start(loaded, realTime: !noRealTime, log: { line in printError("infusiond: \(line)") })
        } catch {
            printError("infusiond: \(error)")
            throw ExitCode(Self.configurationExitCode)
        }
        let startup = started.duration(to: .now)
        SystemdNotifier.notify("READY=1\nSTATUS=ready")
        printError("infusiond: ready in \(startup) on \(loaded.configuration.socket) (pid \(getpid()))")
        let logger = Logger(label: "infusiond")
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: DaemonService(daemon: daemon))], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        printError("infusiond: stopped; journal flushed")
    }
}

/// The daemon as a service-lifecycle service: it runs until SIGTERM or SIGINT, then stops the
/// pump and flushes the journal before the process exits.
struct DaemonService: Service {
    let daemon: Daemon

    func run() async throws {
        try? await gracefulShutdown()
        SystemdNotifier.notify("STOPPING=1")
        daemon.shutdown()
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
