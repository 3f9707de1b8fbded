import CPosixShims
import Foundation
import Glibc

/// `pumpsim serve`: the emulated NE-1000 on a pty, with its control socket, in a fresh directory.
/// The ground truth of every serial-path test: what the pump says it pushed (docs/testing.md).
/// With `oximeter`, `pumpsim oximeter` instead: a Masimo oximeter's serial output (issue 17).
public final class PumpsimServer: Sendable {
    public static var buildDirectory: URL { Bundle.main.bundleURL }
    public let directory: String
    public let link: String
    public let control: String
    private let process: Process

    public init(oximeter: Bool = false) throws {
        let device = oximeter ? "oximeter" : "pump"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(oximeter ? "oximeter" : "ne1000")-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        link = directory + "/" + device
        control = directory + "/\(device).control"
        process = Process()
        process.executableURL = Self.buildDirectory.appendingPathComponent("pumpsim")
        process.arguments = [oximeter ? "oximeter" : "serve", "--link", link, "--control", control]
        process.currentDirectoryURL = RepositoryFiles.root
        process.standardOutput = FileHandle.nullDevice
        try launch(process)
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: control) {
            guard Date() < deadline else { throw PumpsimServerFailure("pumpsim's control socket: not within 10 s") }
            usleep(10_000)
        }
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The name libserialport is given: its sysfs look-up lands on the link itself (DESIGN.md §7).
    public var portName: String { "/dev/../../.." + link }

    /// The test-only library that lets libserialport open a pty, for LD_PRELOAD.
    public static var modemShim: String { buildDirectory.appendingPathComponent("libPtyModemShim.so").path }

    /// One command on the control channel; its one-line answer.
    public func command(_ line: String) throws -> String {
        let fd = cposix_connect_unix(control)
        guard fd >= 0 else { throw PumpsimServerFailure("cannot connect to \(control): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = (line + "\n").withCString { write(fd, $0, strlen($0)) }
        var reply: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 0x0A { reply.append(byte) }
        return String(decoding: reply, as: UTF8.self)
    }

    /// The emulated pump's state: `prompt` ("S" stopped, "I" infusing), `dispensed_infused_ml`,
    /// `alarms`.
    public func status() throws -> [String: Any] {
        let text = try command("status")
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw PumpsimServerFailure("status is not JSON: \(text)")
        }
        return object
    }
}

extension PumpsimServer {
    /// "S" stopped, "I" infusing, "P" paused.
    public var prompt: String { get throws { try status()["prompt"] as? String ?? "?" } }

    /// Infused since pumpsim started, across every host's `CLD`, mL.
    public var infusedSinceStartMillilitres: Double {
        get throws {
            guard let value = try status()["infused_since_start_ml"] as? Double else { throw PumpsimServerFailure("status without infused_since_start_ml") }
            return value
        }
    }

    /// What the pump's plunger has pushed since its last `CLD`, mL: the truth the ledger must cover.
    public var dispensedMillilitres: Double {
        get throws {
            guard let value = try status()["dispensed_infused_ml"] as? Double else { throw PumpsimServerFailure("status without dispensed_infused_ml") }
            return value
        }
    }
}

public struct PumpsimServerFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
