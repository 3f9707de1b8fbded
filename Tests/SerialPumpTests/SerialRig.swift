import Foundation
import Glibc
import InfusionTestSupport
import PumpHardware
import Testing

/// `pumpsim serve` on a pty, and the harness that runs the core through the real driver over
/// libserialport with the test-only modem-line shim preloaded (docs/testing.md).
final class SerialRig: Sendable {
    static var buildDirectory: URL { Bundle.main.bundleURL }
    let directory: String
    let link: String
    let control: String
    private let pumpsim: Process

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ne1000-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        link = directory + "/pump"
        control = directory + "/pump.control"
        pumpsim = Process()
        pumpsim.executableURL = Self.buildDirectory.appendingPathComponent("pumpsim")
        pumpsim.arguments = ["serve", "--link", link, "--control", control]
        pumpsim.currentDirectoryURL = RepositoryFiles.root
        pumpsim.standardOutput = FileHandle.nullDevice
        try pumpsim.run()
        try Self.await("pumpsim's control socket", within: .seconds(10)) { FileManager.default.fileExists(atPath: self.control) }
    }

    deinit {
        pumpsim.terminate()
        pumpsim.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The name libserialport is given: its sysfs look-up lands on the link itself (DESIGN.md §7).
    var portName: String { "/dev/../../.." + link }

    /// Waits for `condition`, checking every 10 ms, failing after `limit`.
    static func await(_ what: String, within limit: Duration, _ condition: () throws -> Bool) throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while try !condition() {
            guard clock.now < deadline else { throw RigFailure("\(what): not within \(limit)") }
            usleep(10_000)
        }
    }

    /// One command on the control channel; its one-line answer.
    func command(_ line: String) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: control.utf8)
            raw[control.utf8.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw RigFailure("cannot connect to \(control)") }
        _ = (line + "\n").withCString { write(fd, $0, strlen($0)) }
        var reply: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 0x0A { reply.append(byte) }
        return String(decoding: reply, as: UTF8.self)
    }

    func status() throws -> [String: Any] {
        let text = try command("status")
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw RigFailure("status is not JSON: \(text)")
        }
        return object
    }

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
        environment["LD_PRELOAD"] = SerialRig.buildDirectory.appendingPathComponent("libPtyModemShim.so").path
        process.environment = environment
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        let output = self.output
        let errors = self.errors
        outputPipe.fileHandleForReading.readabilityHandler = { output.append(String(decoding: $0.availableData, as: UTF8.self)) }
        errorPipe.fileHandleForReading.readabilityHandler = { errors.append(String(decoding: $0.availableData, as: UTF8.self)) }
        try process.run()
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
