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
            case .ne1000(let port, let settings): "NE-1000 on \(port) at \(settings.baud) baud, address \(settings.address), safe mode \(settings.safeModeTimeoutSeconds) s"
            case .gpio(let map): "stepper on GPIO, pin map \(map) (\(pinMap?.board ?? "?"))"
            }
        return """
            hardware: \(hardware)
            drug library: \(configuration.drugLibrary) (\(library.drugs.count) drug\(library.drugs.count == 1 ? "" : "s"))
            syringes: \(configuration.syringes) (\(syringes.syringes.count))
            socket: \(configuration.socket), group \(configuration.socketGroup)
            journal: \(configuration.journal)
            """
    }
}

/// Why the daemon will not start; the text names the file and the key.
public struct StartupError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
