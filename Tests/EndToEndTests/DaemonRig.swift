import CPosixShims
import ControlProtocol
import Foundation
import Glibc
import InfusionTestSupport
import Testing

/// A real `infusiond` in a subprocess, on the in-process simulator, with its own configuration,
/// journal and socket in a fresh directory; and `infusionctl` run against it as a technician would.
final class DaemonRig {
    static var buildDirectory: URL { Bundle.main.bundleURL }
    let directory: String
    let socket: String
    let journalDirectory: String
    private(set) var daemon: Process?
    private(set) var daemonOutput = Pipe()

    /// Libraries the daemon runs with preloaded (the pty modem shim for the NE-1000 path, the
    /// journal's I/O-fault shim), and what else its environment holds for them.
    let preload: String?
    let environment: [String: String]

    /// `scale`: control time per wall time (600: ten minutes of infusion a second).
    /// `socketLimits`: extra lines for the `[socket]` table (max_connections, idle_timeout).
    /// `hardware`: the `[hardware]` table's lines, in place of the simulator's.
    init(
        scale: Double = 600, fill: String = "50 mL", journalDirectory: String? = nil, socketLimits: String = "", hardware: String? = nil,
        preload: String? = nil, environment: [String: String] = [:]
    ) throws {
        self.preload = preload
        self.environment = environment
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("infusiond-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Traversable by the unprivileged uid one test connects as; the socket itself is 0660.
        chmod(directory, 0o755)
        socket = directory + "/control.sock"
        self.journalDirectory = journalDirectory ?? directory
        let root = RepositoryFiles.root.path
        let config = """
            [hardware]
            \(hardware ?? "kind = \"simulator\"\ntime_scale = \(scale)\nfill = \"\(fill)\"")

            [paths]
            drug_library = "\(root)/config/drug-library.toml"
            syringes = "\(root)/hardware/syringes.toml"
            journal = "\(self.journalDirectory)/journal.sqlite"

            [socket]
            path = "\(socket)"
            group = "nogroup"
            \(socketLimits)
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

    /// Starts the daemon and waits (bounded) until its socket answers a status.
    func start() throws {
        let process = Process()
        process.executableURL = Self.buildDirectory.appendingPathComponent("infusiond")
        process.arguments = ["--config", directory + "/infusiond.toml", "--no-real-time"]
        if preload != nil || !environment.isEmpty {
            var inherited = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            if let preload { inherited["LD_PRELOAD"] = preload }
            process.environment = inherited
        }
        daemonOutput = Pipe()
        process.standardOutput = daemonOutput
        process.standardError = daemonOutput
        try process.run()
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
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        do { try process.run() } catch { return Outcome(status: -1, output: "", error: "\(error)") }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
            error: String(decoding: errData, as: UTF8.self))
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
