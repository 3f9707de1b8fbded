import Foundation
import Glibc
import InfusionTestSupport
import PumpHardware
import Testing

/// `pumpsim serve` on a pty, and the harness that runs the core through the real driver over
/// libserialport with the test-only modem-line shim preloaded (docs/testing.md).
final class SerialRig: Sendable {
    static var buildDirectory: URL { Bundle.main.bundleURL }
    let server: PumpsimServer

    init() throws {
        server = try PumpsimServer()
    }

    var link: String { server.link }
    var control: String { server.control }
    var portName: String { server.portName }

    /// Waits for `condition`, checking every 10 ms, failing after `limit`.
    static func await(_ what: String, within limit: Duration, _ condition: () throws -> Bool) throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while try !condition() {
            guard clock.now < deadline else { throw RigFailure("\(what): not within \(limit)") }
            usleep(10_000)
        }
    }

    func command(_ line: String) throws -> String { try server.command(line) }

    func status() throws -> [String: Any] { try server.status() }

    /// Starts the harness: a ketamine program of `volume` mL at `dose` mg/kg/h (1 mg/mL, 70 kg).
    func startHarness(dose: Double, volume: Double, seconds: Double) throws -> Harness {
        try Harness(port: portName, dose: dose, volume: volume, seconds: seconds)
    }
}

struct RigFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Text appended by a reader thread and read by the test: guarded by a lock.
final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ more: String) { lock.withLock { text += more } }
    var value: String { lock.withLock { text } }
}

/// The running harness and the JSON lines it has printed so far.
final class Harness: Sendable {
    let process: Process
    private let output = LockedText()
    private let errors = LockedText()

    init(port: String, dose: Double, volume: Double, seconds: Double) throws {
        process = Process()
        process.executableURL = SerialRig.buildDirectory.appendingPathComponent("serialpump-harness")
        process.arguments = [port, "\(dose)", "\(volume)", "\(seconds)"]
        process.currentDirectoryURL = RepositoryFiles.root
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = PumpsimServer.modemShim
        process.environment = environment
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        let output = self.output
        let errors = self.errors
        outputPipe.fileHandleForReading.readabilityHandler = { output.append(String(decoding: $0.availableData, as: UTF8.self)) }
        errorPipe.fileHandleForReading.readabilityHandler = { errors.append(String(decoding: $0.availableData, as: UTF8.self)) }
        try launch(process)
    }

    /// Every complete JSON line so far.
    var lines: [[String: Any]] {
        output.value.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
    var log: String { errors.value }

    /// The first line that satisfies `condition`, waiting for it.
    func await(_ what: String, within limit: Duration, _ condition: ([String: Any]) -> Bool) throws -> [String: Any] {
        var found: [String: Any]?
        try SerialRig.await("harness: \(what)", within: limit) {
            found = lines.first(where: condition)
            return found != nil
        }
        guard let found else { throw RigFailure("harness: \(what)\nlog:\n\(log)") }
        return found
    }

    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

func alarms(_ line: [String: Any]) -> [String] { line["alarms"] as? [String] ?? [] }
func nanoseconds(_ line: [String: Any]) -> Int64 { (line["monotonic_nanoseconds"] as? NSNumber)?.int64Value ?? 0 }
