import Foundation
import InfusionCore
import InfusionDaemon
import InfusionTestSupport
import Testing

/// infusiond.toml: the shipped files read, and each kind of mistake refused naming file and key.
@Suite("Daemon configuration")
struct DaemonConfigurationTests {
    static let minimal = """
        [hardware]
        kind = "simulator"

        [paths]
        drug_library = "drug-library.toml"
        syringes = "/etc/infusiond/syringes.toml"
        journal = "/var/lib/infusiond/journal.sqlite"
        """

    func parse(_ text: String) throws(ConfigurationError) -> DaemonConfiguration {
        try DaemonConfigurationParser.parse(text, file: "infusiond.toml", directory: "/etc/infusiond")
    }

    @Test("the shipped configurations read; relative paths are taken from the file's directory")
    func shippedConfigurationsRead() throws {
        let installed = try DaemonConfigurationParser.parse(
            try RepositoryFiles.text("config/infusiond.toml"), file: "infusiond.toml", directory: "/etc/infusiond")
        #expect(installed.hardware == .gpio(pinMap: "/etc/infusiond/pinmap.toml"))
        #expect(installed.drugLibrary == "/etc/infusiond/drug-library.toml")
        #expect(installed.socket == "/run/infusiond/control.sock" && installed.socketGroup == "infusion")
        #expect(installed.clients.idleTimeout == .minutes(10))

        let demo = try LoadedConfiguration.load(path: RepositoryFiles.root.appendingPathComponent("config/demo.toml").path)
        #expect(demo.configuration.hardware == .simulator(timeScale: 60, fill: Millilitres(50)))
        #expect(demo.library.drugs.map(\.name) == ["ketamine"])
        #expect(demo.summary.contains("simulator (time scale 60.0×"))
    }

    @Test(
        "a wrong configuration is refused, naming the key and the reason",
        arguments: [
            ("[hardware]\nkind = \"usb\"\n", "hardware.kind", "must be \"simulator\", \"ne1000\" or \"gpio\""),
            ("colour = \"blue\"\n", "colour", "unknown key"),
            ("[hardware]\nkind = \"simulator\"\ntime_scale = 0.5\n", "hardware.time_scale", "must be 1 to 600"),
            ("[hardware]\nkind = \"ne1000\"\nport = \"/dev/ttyUSB0\"\ntime_scale = 60\n", "hardware.time_scale", "only the simulator"),
            ("[hardware]\nkind = \"gpio\"\npin_map = \"p.toml\"\ntime_scale = 2\n", "hardware.time_scale", "only the simulator"),
            ("[hardware]\nkind = \"ne1000\"\nport = \"/dev/ttyUSB0\"\nbaud = 115200\n", "hardware.baud", "not 115200"),
            ("[hardware]\nkind = \"ne1000\"\nport = \"/dev/ttyUSB0\"\naddress = 120\n", "hardware.address", "0 to 99"),
            ("[hardware]\nkind = \"ne1000\"\nport = \"/dev/ttyUSB0\"\nsafe_mode_timeout = \"0.5 s\"\n", "hardware.safe_mode_timeout", "1 to 255"),
            ("[hardware]\nkind = \"ne1000\"\n", "hardware.port", "is required"),
            ("[socket]\nmax_connections = 0\n", "socket.max_connections", "1 to 256"),
            ("[socket]\nidle_timeout = \"10 parsecs\"\n", "socket.idle_timeout", "parsecs"),
            ("[alarms]\npaused_call_back = \"2 h\"\n", "alarms.paused_call_back", "10 s to 1 h"),
            ("[hardware\nkind = 1\n", "line 1", "not valid TOML"),
        ])
    func wrongConfigurationIsRefused(change: String, field: String, reason: String) throws {
        // Each case replaces or adds to the minimal file; tables named in `change` replace its own.
        var text = Self.minimal
        if change.hasPrefix("[hardware") { text = text.replacingOccurrences(of: "[hardware]\nkind = \"simulator\"\n", with: "") }
        text = change + "\n" + text
        let error = #expect(throws: ConfigurationError.self) { try parse(text) }
        #expect(error?.description.contains(field) == true, "\(error.map(String.init(describing:)) ?? "accepted")")
        #expect(error?.reason.contains(reason) == true, "\(error.map(String.init(describing:)) ?? "accepted")")
    }

    @Test("a file the configuration names that is missing or wrong stops the start, named")
    func namedFilesAreChecked() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/infusiond.toml"
        try Self.minimal.write(toFile: path, atomically: true, encoding: .utf8)
        let missing = #expect(throws: StartupError.self) { try LoadedConfiguration.load(path: path) }
        #expect(missing?.description.contains("\(directory)/drug-library.toml: cannot read the drug library") == true, "\(String(describing: missing))")

        try "[library]\nname = \"x\"\n".write(toFile: directory + "/drug-library.toml", atomically: true, encoding: .utf8)
        let wrong = #expect(throws: StartupError.self) { try LoadedConfiguration.load(path: path) }
        #expect(wrong?.description.contains("drug-library.toml") == true, "\(String(describing: wrong))")

        let absent = #expect(throws: StartupError.self) { try LoadedConfiguration.load(path: directory + "/nothing.toml") }
        #expect(absent?.description.contains("cannot read the configuration") == true)
    }
}
