import Foundation
import InfusionCore
import PumpHardware

/// The configuration with every file it names read and checked: what `--check-config` reports on
/// and what the daemon starts from. A file that is missing or wrong stops here, named.
public struct LoadedConfiguration: Sendable {
    public let configuration: DaemonConfiguration
    public let library: DrugLibrary
    public let syringes: SyringeTable
    public let pinMap: PinMap?

    public static func load(path: String) throws(StartupError) -> LoadedConfiguration {
        do {
            let configuration = try DaemonConfigurationParser.parse(
                try readFile(path, what: "configuration"), file: path, directory: (path as NSString).deletingLastPathComponent)
            let library = try DrugLibraryParser.parse(try readFile(configuration.drugLibrary, what: "drug library"), file: configuration.drugLibrary)
            let syringes = try SyringeTable(toml: try readFile(configuration.syringes, what: "syringe table"), file: configuration.syringes)
            var pinMap: PinMap?
            if case .gpio(let mapPath) = configuration.hardware {
                pinMap = try PinMapParser.parse(try readFile(mapPath, what: "pin map"), file: mapPath)
            }
            return LoadedConfiguration(configuration: configuration, library: library, syringes: syringes, pinMap: pinMap)
        } catch let error as StartupError {
            throw error
        } catch {
            // ConfigurationError and PinMapError already name the file and the key.
            throw StartupError("\(error)")
        }
    }

    private static func readFile(_ path: String, what: String) throws(StartupError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw StartupError("\(path): cannot read the \(what): \((error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription)")
        }
    }

    /// What `--check-config` prints when all is well.
    public var summary: String {
        let hardware: String =
            switch configuration.hardware {
            case .simulator(let scale, let fill): "simulator (time scale \(scale)×, syringe filled with \(fill))"
            case .ne1000(let port, let settings): "NE-1000 on \(port) at \(settings.baud) baud, address \(settings.address), safe mode \(settings.safeModeTimeoutSeconds) s, reply timeout \(settings.replyTimeout)"
            case .gpio(let map): "stepper on GPIO, pin map \(map) (\(pinMap?.board ?? "?"))"
            }
        let vitals = configuration.oximeter.map { "Masimo ASCII oximeter on \($0.port) at \($0.baud) baud" } ?? "no oximeter"
        return """
            hardware: \(hardware)
            drug library: \(configuration.drugLibrary): \(library.name) \(library.version), sha256 \(library.checksum) (\(library.drugs.count) drug\(library.drugs.count == 1 ? "" : "s"))
            syringes: \(configuration.syringes) (\(syringes.syringes.count))
            socket: \(configuration.socket), group \(configuration.socketGroup)
            journal: \(configuration.journal)
            vitals: \(vitals)
            """ + warnings.map { "\nwarning: " + $0 }.joined()
    }

    /// What will work but not as a clinic would want: a library that requires an oximeter on a
    /// pump that fits none raises vitals_source_lost with every program.
    public var warnings: [String] {
        guard configuration.oximeter == nil else { return [] }
        return library.drugs.filter { $0.vitals?.requireOximeter == true }.map { drug in
            "\(drug.name) requires an oximeter and [vitals] fits none: every \(drug.name) program will raise vitals_source_lost"
        }
    }
}

/// Why the daemon will not start; the text names the file and the key.
public struct StartupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What the exit status tells systemd: a configuration that can never work is not restarted
    /// (EX_CONFIG, 78); something not ready yet (a port, a chip, a locked journal) is retried.
    public enum ExitCode: Int32, Hashable, Sendable {
        case configuration = 78
        case notReady = 75
    }

    public let description: String
    public let exitCode: ExitCode

    public init(_ description: String, exitCode: ExitCode = .configuration) {
        self.description = description
        self.exitCode = exitCode
    }
}
