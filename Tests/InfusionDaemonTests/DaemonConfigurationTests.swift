import Foundation
import InfusionCore
import InfusionDaemon
import InfusionTestSupport
import SerialPump
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
        #expect(installed.oximeter == nil, "the shipped file fits no oximeter")
        let fitted = try parse(Self.minimal + "\n[vitals]\nkind = \"masimo-ascii\"\nport = \"/dev/ttyUSB1\"\n")
        #expect(fitted.oximeter == DaemonConfiguration.Oximeter(port: "/dev/ttyUSB1", baud: 9_600))

        let serial = try parse(Self.minimal.replacingOccurrences(
            of: "kind = \"simulator\"", with: "kind = \"ne1000\"\nport = \"/dev/ttyUSB0\"\nreply_timeout = \"0.5 s\""))
        var slowLine = SerialPumpSettings()
        slowLine.replyTimeout = .milliseconds(500)
        #expect(serial.hardware == .ne1000(port: "/dev/ttyUSB0", settings: slowLine))
        #expect(try parse(Self.minimal.replacingOccurrences(of: "kind = \"simulator\"", with: "kind = \"ne1000\"\nport = \"/dev/ttyUSB0\""))
            .hardware == .ne1000(port: "/dev/ttyUSB0", settings: SerialPumpSettings()), "150 ms when the key is absent")

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
            ("[hardware]\nkind = \"ne1000\"\nport = \"/dev/ttyUSB0\"\nreply_timeout = \"10 ms\"\n", "hardware.reply_timeout", "20 ms to 0.75 s"),
            ("[hardware]\nkind = \"ne1000\"\nport = \"/dev/ttyUSB0\"\nreply_timeout = \"0.8 s\"\n", "hardware.reply_timeout", "not 0.8 s"),
            ("[hardware]\nkind = \"ne1000\"\nport = \"/dev/ttyUSB0\"\nsafe_mode_timeout = \"10 s\"\nreply_timeout = \"2 s\"\n", "hardware.reply_timeout", "20 ms to 1 s"),
            ("[hardware]\nkind = \"ne1000\"\n", "hardware.port", "is required"),
            ("[hardware]\nkind = \"ne1000\"\nport = \"/dev/ttyUSB0\"\nappear_within = \"5 min\"\n", "hardware.appear_within", "0 to 120 s"),
            ("[hardware]\nkind = \"simulator\"\nappear_within = \"5 s\"\n", "appear_within", "unknown key"),
            ("[socket]\nmax_connections = 0\n", "socket.max_connections", "2 to 256"),
            ("[socket]\nidle_timeout = \"10 parsecs\"\n", "socket.idle_timeout", "parsecs"),
            ("[alarms]\npaused_call_back = \"2 h\"\n", "alarms.paused_call_back", "10 s to 1 h"),
            ("[hardware\nkind = 1\n", "line 1", "not valid TOML"),
            // [vitals] (issue 17).
            ("[vitals]\nkind = \"nonin\"\n", "vitals.kind", "is not \"masimo-ascii\" or \"none\""),
            ("[vitals]\nkind = \"masimo-ascii\"\n", "vitals.port", "is required"),
            ("[vitals]\nkind = \"masimo-ascii\"\nport = \"COM3\"\n", "vitals.port", "under /dev/"),
            ("[vitals]\nkind = \"masimo-ascii\"\nport = \"/dev/ttyUSB1\"\nbaud = 4800\n", "vitals.baud", "not 4800"),
            ("[vitals]\nkind = \"none\"\nport = \"/dev/ttyUSB1\"\n", "vitals.port", "takes no port"),
            ("[vitals]\nkind = \"masimo-ascii\"\nport = \"/dev/ttyUSB1\"\nparity = \"odd\"\n", "parity", "unknown key"),
            // Red team: a time-scaled simulator aged every oximeter line past its grace.
            ("[hardware]\nkind = \"simulator\"\ntime_scale = 60\n[vitals]\nkind = \"masimo-ascii\"\nport = \"/dev/ttyUSB1\"\n", "vitals.kind", "real time"),
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

    /// Red team, issue 17: `--check-config` said nothing of the oximeter, nor of a library that
    /// requires one on a pump that fits none.
    @Test("--check-config names the oximeter and warns when a library requires one that is not fitted")
    func checkConfigNamesTheOximeter() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let library = try RepositoryFiles.text("config/drug-library.toml").replacingOccurrences(of: "require = []", with: "require = [\"oximeter\"]")
        try library.write(toFile: directory + "/drug-library.toml", atomically: true, encoding: .utf8)
        let syringes = RepositoryFiles.root.appendingPathComponent("hardware/syringes.toml").path
        let text = Self.minimal.replacingOccurrences(of: "/etc/infusiond/syringes.toml", with: syringes)
        try text.write(toFile: directory + "/infusiond.toml", atomically: true, encoding: .utf8)
        let bare = try LoadedConfiguration.load(path: directory + "/infusiond.toml")
        #expect(bare.summary.contains("vitals: no oximeter"), "\(bare.summary)")
        #expect(bare.summary.contains("warning: ketamine requires an oximeter and [vitals] fits none"), "\(bare.summary)")
        try (text + "\n[vitals]\nkind = \"masimo-ascii\"\nport = \"/dev/ttyUSB1\"\n").write(toFile: directory + "/infusiond.toml", atomically: true, encoding: .utf8)
        let fitted = try LoadedConfiguration.load(path: directory + "/infusiond.toml")
        #expect(fitted.summary.contains("vitals: Masimo ASCII oximeter on /dev/ttyUSB1 at 9600 baud") && fitted.warnings.isEmpty, "\(fitted.summary)")
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
