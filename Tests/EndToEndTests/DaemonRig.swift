import CPosixShims
import ControlProtocol
import Foundation
import Glibc
import InfusionTestSupport
import Testing

/// A real daemon in a subprocess, with its own configuration, journal and socket in a fresh
/// directory; and `infusionctl` run against it as a technician would. On the in-process simulator
/// that is `infusiond-sim`; on a real pump's path (the NE-1000 against pumpsim) the shipped
/// `infusiond` itself.
final class DaemonRig {
    static var buildDirectory: URL { Bundle.main.bundleURL }
    /// The daemon program this rig runs.
    let executable: URL
    let directory: String
    let socket: String
    let journalDirectory: String
    private(set) var daemon: Process?
    private(set) var journalInitialised = false
    private(set) var daemonOutput = Pipe()

    /// Libraries the daemon runs with preloaded (the pty modem shim for the NE-1000 path, the
    /// journal's I/O-fault shim), and what else its environment holds for them.
    let preload: String?
    let environment: [String: String]

    /// `scale`: control time per wall time (600: ten minutes of infusion a second).
    /// `socketLimits`: extra lines for the `[socket]` table (max_connections, idle_timeout).
    /// `hardware`: the `[hardware]` table's lines, in place of the simulator's.
    /// `extra`: whole tables appended to the configuration (`[vitals]`).
    init(
        scale: Double = 600, fill: String = "50 mL", journalDirectory: String? = nil, socketLimits: String = "", hardware: String? = nil,
        preload: String? = nil, environment: [String: String] = [:], library: String? = nil, extra: String = ""
    ) throws {
        self.preload = preload
        self.environment = environment
        executable = Self.buildDirectory.appendingPathComponent(hardware == nil ? "infusiond-sim" : "infusiond")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("infusiond-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Traversable by the unprivileged uid one test connects as; the socket itself is 0660.
        chmod(directory, 0o755)
        socket = directory + "/control.sock"
        self.journalDirectory = journalDirectory ?? directory
        let root = RepositoryFiles.root.path
        // `library`: the drug library's text, when a test needs one of its own.
        var libraryPath = "\(root)/config/drug-library.toml"
        if let library {
            libraryPath = directory + "/drug-library.toml"
            try library.write(toFile: libraryPath, atomically: true, encoding: .utf8)
        }
        let config = """
            [hardware]
            \(hardware ?? "kind = \"simulator\"\ntime_scale = \(scale)\nfill = \"\(fill)\"")

            [paths]
            drug_library = "\(libraryPath)"
            syringes = "\(root)/hardware/syringes.toml"
            journal = "\(self.journalDirectory)/journal.sqlite"

            [socket]
            path = "\(socket)"
            group = "nogroup"
            \(socketLimits)

            \(extra)
            """
        try config.write(toFile: directory + "/infusiond.toml", atomically: true, encoding: .utf8)
    }

    deinit {
        if let daemon, daemon.isRunning {
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Initialises the rig's journal (`--init-journal`), as a pump's installation does once.
    func initialiseJournal() throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--config", directory + "/infusiond.toml", "--init-journal"]
        process.standardOutput = FileHandle.nullDevice
        try launch(process)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw RigError("--init-journal exited \(process.terminationStatus)") }
        journalInitialised = true
    }

    /// With the real-time set-up (SCHED_FIFO, a CPU for the loop, locked memory), as the unit runs
    /// it; off by default, since most tests run many daemons at once.
    var realTime = false

    /// Starts the daemon and waits (bounded) until its socket answers a status. The first start
    /// initialises the journal first, unless the test has already (or means it to be missing).
    func start(initialising: Bool = true) throws {
        if initialising, !journalInitialised, !FileManager.default.fileExists(atPath: journalDirectory + "/journal.sqlite.seal") {
            try initialiseJournal()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--config", directory + "/infusiond.toml"] + (realTime ? [] : ["--no-real-time"])
        if preload != nil || !environment.isEmpty {
            var inherited = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            if let preload { inherited["LD_PRELOAD"] = preload }
            process.environment = inherited
        }
        daemonOutput = Pipe()
        process.standardOutput = daemonOutput
        process.standardError = daemonOutput
        try launch(process)
        daemon = process
        try waitUntil("infusiond answers on its socket", within: 30) { self.ctl("status").status == 0 }
    }

    /// Sends `signal` and waits for the daemon to exit; answers its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard let daemon else { return -1 }
        kill(daemon.processIdentifier, signal)
        daemon.waitUntilExit()
        self.daemon = nil
        return daemon.terminationStatus
    }

    struct Outcome {
        var status: Int32
        var output: String
        var error: String
    }

    /// Runs infusionctl with `arguments` against this daemon; `prefix` runs it under another
    /// program (setpriv, to be another user).
    @discardableResult
    func ctl(_ arguments: String..., prefix: [String] = []) -> Outcome {
        ctl(arguments, prefix: prefix)
    }

    /// How long an infusionctl run may take before it is ended as hung (it exits 15, a failure).
    static let ctlHangGuard = 60.0

    func ctl(_ arguments: [String], prefix: [String] = []) -> Outcome {
        let process = Process()
        let ctl = Self.buildDirectory.appendingPathComponent("infusionctl").path
        if prefix.isEmpty {
            process.executableURL = URL(fileURLWithPath: ctl)
            process.arguments = arguments + ["--socket", socket]
        } else {
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [ctl] + arguments + ["--socket", socket]
        }
        return Self.collect(process)
    }

    /// Runs `process` to its end and answers its status, output and error.
    ///
    /// A hang guard, not a speed claim: infusionctl waits for its answer as long as it takes, so a
    /// daemon that never answers would hang the suite instead of failing it. The guard holds the
    /// process weakly: a cancelled timer keeps what it captured until its deadline, and a strong
    /// capture kept every finished run's pipes open for a minute (the tests' process reached
    /// about 1 600 open descriptors, RigHygieneTests).
    static func collect(_ process: Process) -> Outcome {
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        do { try launch(process) } catch { return Outcome(status: -1, output: "", error: "\(error)") }
        let guardTimer = DispatchWorkItem { [weak process] in
            if let process, process.isRunning { process.terminate() }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + ctlHangGuard, execute: guardTimer)
        defer { guardTimer.cancel() }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
            error: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the built `program` with `arguments`, its output dropped; answers its exit status
    /// and what it wrote to stderr.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, said: String) {
        let process = Process()
        process.executableURL = buildDirectory.appendingPathComponent(program)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try launch(process)
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, said)
    }

    /// A raw connection to the socket, as a hostile or forgetful client would hold one.
    func connect() throws -> FileHandle { try Self.connect(to: socket) }

    /// A stream connection to the Unix socket at `socket`.
    static func connect(to socket: String) throws -> FileHandle {
        let fd = cposix_connect_unix(socket)
        guard fd >= 0 else { throw RigError("cannot connect to \(socket): \(String(cString: strerror(errno)))") }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }


    /// The daemon's status, decoded.
    func status() throws -> StatusReport {
        let outcome = ctl("status", "--json")
        guard outcome.status == 0 else { throw RigError("status failed (\(outcome.status)): \(outcome.error)") }
        let response = try ControlResponse<StatusReport>.decode(Data(outcome.output.utf8))
        guard let report = response.result else { throw RigError("status without a result: \(outcome.output)") }
        return report
    }

    /// The event log, oldest first (at most 10 000 events).
    func history() throws -> [HistoryResult.Event] {
        let outcome = ctl("--json", "history", "--limit", "10000")
        guard outcome.status == 0 else { throw RigError("history failed (\(outcome.status)): \(outcome.error)") }
        let response = try ControlResponse<HistoryResult>.decode(Data(outcome.output.utf8))
        guard let result = response.result else { throw RigError("history without a result: \(outcome.output)") }
        return result.events
    }

    /// Loads the 50 mL syringe and programs ketamine 10 mg/mL, 0.35 mg/kg/h, 70 kg, for `duration`.
    func program(duration: String) throws {
        for arguments in [
            ["load-syringe", "BD Plastipak 50 mL"],
            ["program", "--drug", "ketamine", "--concentration", "10 mg/mL", "--weight", "70 kg", "--dose", "0.35 mg/kg/h", "--duration", duration],
        ] {
            let outcome = ctl(arguments)
            guard outcome.status == 0 else { throw RigError("\(arguments[0]) failed (\(outcome.status)): \(outcome.error)") }
        }
    }

    /// Polls `condition` every 10 ms for at most `seconds`; throws naming `what` on timeout.
    func waitUntil(_ what: String, within seconds: Double, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { throw RigError("not within \(seconds) s: \(what)") }
            usleep(10_000)
        }
    }
}

struct RigError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
