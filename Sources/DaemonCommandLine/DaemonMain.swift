import ArgumentParser
import Foundation
import InfusionDaemon
import Logging
import ServiceLifecycle

/// The daemon's command line, shared by `infusiond` (what a package installs: real pumps only)
/// and `infusiond-sim` (the same daemon with the in-process simulator linked in). `--check-config`
/// reads the configuration and every file it names and says what it would run, or what is wrong
/// (file, key, reason), without starting anything.
public struct DaemonOptions: ParsableArguments {
    public init() {}

    @Option(help: "The configuration file.")
    var config = DaemonConfiguration.defaultPath

    @Option(name: .customLong("check-config"), help: "Check this configuration file and exit: 0 when it is good, 78 when not.")
    var checkConfig: String?

    @Flag(
        name: .customLong("file-only"),
        help: "With --check-config: check the file and the files it names, not this machine (directories, journal, hardware): for a configuration prepared elsewhere.")
    var fileOnly = false

    @Flag(help: "Do not ask for SCHED_FIFO, mlockall or cpu_dma_latency (tests, machines that refuse them).")
    var noRealTime = false

    @Flag(
        name: .customLong("init-journal"),
        help: "Create the pump's journal and its seal (paths.journal) and exit: once, at installation. Refused if either exists.")
    var initJournal = false

}

/// What `infusiond` and `infusiond-sim` run: `simulator` is nil in the shipped daemon.
public enum DaemonMain {
    public static func run(_ options: DaemonOptions, simulator: (any SimulatorStarter)?) async throws {
        let checkConfig = options.checkConfig
        let fileOnly = options.fileOnly
        let initJournal = options.initJournal
        let config = options.config
        let noRealTime = options.noRealTime
        if let path = checkConfig {
            let loaded: LoadedConfiguration
            do {
                loaded = try LoadedConfiguration.load(path: path)
            } catch {
                printError(.error, "infusiond: \(error)")
                throw ExitCode(error.exitCode.rawValue)
            }
            // What the start would refuse, the check refuses too, with the start's exit status.
            let checks = StartChecks.run(loaded, onThisMachine: !fileOnly, simulatorLinked: simulator != nil)
            for problem in checks.problems + checks.notReady { printError(.error, "infusiond: \(problem)") }
            for warning in checks.warnings { printError(.warning, "infusiond: warning: \(warning)") }
            if !checks.problems.isEmpty { throw ExitCode(StartupError.ExitCode.configuration.rawValue) }
            if !checks.notReady.isEmpty { throw ExitCode(StartupError.ExitCode.notReady.rawValue) }
            print("\(path): good\n\(loaded.summary)")
            return
        }
        if initJournal {
            do {
                print("infusiond: \(try Daemon.initialiseJournal(LoadedConfiguration.load(path: config)))")
                return
            } catch {
                printError(.error, "infusiond: \(error)")
                throw ExitCode(error.exitCode.rawValue)
            }
        }
        let started = ContinuousClock.now
        let loaded: LoadedConfiguration
        let daemon: Daemon
        do {
            loaded = try LoadedConfiguration.load(path: config)
            daemon = try Daemon.start(loaded, realTime: !noRealTime, simulator: simulator, log: { line in
                let (priority, text) = SystemLog.unmark(line)
                printError(priority, "infusiond: \(text)")
            })
        } catch {
            printError(.error, "infusiond: \(error)")
            throw ExitCode(error.exitCode.rawValue)
        }
        let startup = started.duration(to: .now)
        SystemdNotifier.notify("READY=1\nSTATUS=ready")
        printError(.notice, "infusiond: ready in \(startup) on \(loaded.configuration.socket) (pid \(getpid()))")
        let logger = Logger(label: "infusiond")
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: DaemonService(daemon: daemon))], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        printError(.notice, "infusiond: stopped; journal flushed")
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

/// A line for the system log: with its priority under systemd's journal, plain elsewhere.
func printError(_ priority: SystemLog.Priority, _ line: String) {
    SystemLog.standard.line(priority, line)
}
