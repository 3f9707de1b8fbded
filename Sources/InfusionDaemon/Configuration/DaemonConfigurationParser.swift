import InfusionCore
import SerialPump

/// Reads infusiond.toml. Every problem is a ``ConfigurationError`` naming the file, the key and the
/// reason; nothing is half-applied and the daemon does not start on one.
public enum DaemonConfigurationParser {
    /// `directory` is the config file's own: relative paths inside it are taken from there, so a
    /// config in the work tree can name the work tree's files.
    public static func parse(_ text: String, file: String, directory: String) throws(ConfigurationError) -> DaemonConfiguration {
        let document = try TOMLDocument(text: text, file: file)
        try document.rejectUnknownKeys(["hardware", "paths", "socket", "alarms", "vitals"])
        let paths = try document.table("paths")
        try paths.rejectUnknownKeys(["drug_library", "syringes", "journal"])
        let socket = try document.optionalTable("socket")
        try socket?.rejectUnknownKeys(["path", "group", "max_connections", "reserved_connections", "requests_per_second", "idle_timeout"])
        let alarms = try document.optionalTable("alarms")
        try alarms?.rejectUnknownKeys(["paused_call_back"])

        var clients = DaemonConfiguration.ClientLimits()
        if let socket {
            clients.maximumConnections = try bounded(socket, "max_connections", default: clients.maximumConnections, 2...256)
            clients.reservedConnections = try bounded(
                socket, "reserved_connections", default: min(clients.reservedConnections, clients.maximumConnections - 1), 1...(clients.maximumConnections - 1))
            clients.requestsPerSecond = try bounded(socket, "requests_per_second", default: clients.requestsPerSecond, 1...1_000)
            if let idle = try socket.optionalQuantity("idle_timeout", QuantityParser.duration) {
                guard idle.value >= 1, idle.value <= 86_400 else { throw socket.error("idle_timeout", "must be 1 s to 24 h, not \(idle)") }
                clients.idleTimeout = ControlDuration(idle)
            }
        }
        var pausedCallBack = ControlDuration.minutes(2)
        if let alarms, let callBack = try alarms.optionalQuantity("paused_call_back", QuantityParser.duration) {
            guard callBack.value >= 10, callBack.value <= 3_600 else {
                throw alarms.error("paused_call_back", "must be 10 s to 1 h, not \(callBack)")
            }
            pausedCallBack = ControlDuration(callBack)
        }
        let hardwareTable = try document.table("hardware")
        var hardwareWait = ControlDuration.seconds(10)
        if let wait = try hardwareTable.optionalQuantity("appear_within", QuantityParser.duration) {
            guard wait.value >= 0, wait.value <= 120 else { throw hardwareTable.error("appear_within", "must be 0 to 120 s, not \(wait)") }
            hardwareWait = ControlDuration(wait)
        }
        var configuration = DaemonConfiguration(
            hardware: try hardware(hardwareTable, directory: directory),
            drugLibrary: resolve(try paths.string("drug_library"), in: directory),
            syringes: resolve(try paths.string("syringes"), in: directory),
            socket: resolve(try socket?.optionalString("path") ?? "/run/infusiond/control.sock", in: directory),
            socketGroup: try socket?.optionalString("group") ?? "infusion",
            journal: resolve(try paths.string("journal"), in: directory),
            clients: clients, pausedCallBack: pausedCallBack, hardwareWait: hardwareWait)
        if let vitals = try document.optionalTable("vitals") {
            configuration.oximeter = try oximeter(vitals)
            // An oximeter's line a second is real time; a faster simulated clock would age every
            // line past its grace (red team: vitals_source_lost raised and cleared four times a second).
            if configuration.oximeter != nil, case .simulator(let scale, _) = configuration.hardware, scale != 1 {
                throw vitals.error("kind", "an oximeter speaks in real time; the simulator at time_scale \(scale) cannot read it (set time_scale = 1 or kind = \"none\")")
            }
        }
        return configuration
    }

    /// `[vitals] kind = "masimo-ascii" | "none", port = "/dev/ttyUSB1", baud = 9600`.
    private static func oximeter(_ table: TOMLDocument) throws(ConfigurationError) -> DaemonConfiguration.Oximeter? {
        try table.rejectUnknownKeys(["kind", "port", "baud"])
        switch try table.string("kind") {
        case "none":
            guard !table.contains("port"), !table.contains("baud") else { throw table.error("port", "kind = \"none\" takes no port or baud") }
            return nil
        case "masimo-ascii":
            let port = try table.string("port")
            guard port.hasPrefix("/dev/"), port.count <= 255 else { throw table.error("port", "must be a device under /dev/, not \(port.debugDescription)") }
            let baud = try table.integer("baud", default: 9_600)
            // The Rad-8, Rad-87 and Radical-7 serial outputs run at 9600 baud; other rates are the
            // device's own menu choice on some models, so the usual ones are allowed.
            guard [9_600, 19_200, 38_400, 57_600, 115_200].contains(baud) else {
                throw table.error("baud", "must be 9600 (the Masimo default), 19200, 38400, 57600 or 115200, not \(baud)")
            }
            return DaemonConfiguration.Oximeter(port: port, baud: baud)
        case let kind:
            throw table.error("kind", "\(kind.debugDescription) is not \"masimo-ascii\" or \"none\"")
        }
    }

    private static func hardware(_ table: TOMLDocument, directory: String) throws(ConfigurationError) -> DaemonConfiguration.Hardware {
        let kind = try table.string("kind")
        switch kind {
        case "simulator":
            try table.rejectUnknownKeys(["kind", "time_scale", "fill"])
            let scale = table.contains("time_scale") ? try table.number("time_scale") : 1
            guard scale >= 1, scale <= 600 else { throw table.error("time_scale", "must be 1 to 600, not \(scale)") }
            let fill = try table.optionalQuantity("fill", QuantityParser.volume) ?? Millilitres(50)
            return .simulator(timeScale: scale, fill: fill)
        case "ne1000":
            // time_scale is refused by name here: only a simulated pump can run faster than time.
            if table.contains("time_scale") { throw table.error("time_scale", "only the simulator can run faster than real time") }
            try table.rejectUnknownKeys(["kind", "port", "baud", "address", "safe_mode_timeout", "reply_timeout", "appear_within"])
            var settings = SerialPumpSettings()
            settings.baud = try table.integer("baud", default: settings.baud)
            guard [300, 1_200, 2_400, 9_600, 19_200].contains(settings.baud) else {
                throw table.error("baud", "the NE-1000 speaks 300, 1200, 2400, 9600 or 19200 baud, not \(settings.baud)")
            }
            settings.address = try bounded(table, "address", default: settings.address, 0...99)
            if let timeout = try table.optionalQuantity("safe_mode_timeout", QuantityParser.duration) {
                guard timeout.value >= 1, timeout.value <= 255, timeout.value == timeout.value.rounded() else {
                    throw table.error("safe_mode_timeout", "must be a whole 1 to 255 s (the pump's SAF range), not \(timeout)")
                }
                settings.safeModeTimeoutSeconds = Int(timeout.value)
            }
            if let timeout = try table.optionalQuantity("reply_timeout", QuantityParser.duration) {
                settings.replyTimeout = try replyTimeout(timeout, table, safeMode: settings.safeModeTimeoutSeconds)
            }
            return .ne1000(port: try table.string("port"), settings: settings)
        case "gpio":
            if table.contains("time_scale") { throw table.error("time_scale", "only the simulator can run faster than real time") }
            try table.rejectUnknownKeys(["kind", "pin_map", "appear_within"])
            return .gpio(pinMap: resolve(try table.string("pin_map"), in: directory))
        default:
            throw table.error("kind", "must be \"simulator\", \"ne1000\" or \"gpio\", not \"\(kind)\"")
        }
    }

    /// A reply slower than this is a lost link. Below 20 ms a 19 200-baud `DIS` (12.5 ms of wire
    /// time alone) would time out on a healthy line; a poll and its reply must also fit twice
    /// inside the pump's safe-mode timeout, or the pump stops itself while the daemon still waits.
    private static func replyTimeout(
        _ timeout: Seconds, _ table: TOMLDocument, safeMode: Int
    ) throws(ConfigurationError) -> ControlDuration {
        let ceiling = min(1, Double(safeMode) / 2 - SerialPumpSettings().pollInterval.seconds.value)
        guard timeout.value >= 0.02, timeout.value <= ceiling else {
            throw table.error("reply_timeout", "must be 20 ms to \(Seconds(ceiling)) (at most 1 s, and a poll and its reply twice inside safe_mode_timeout), not \(timeout)")
        }
        return ControlDuration(timeout)
    }

    private static func bounded(_ table: TOMLDocument, _ key: String, default value: Int, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let number = try table.integer(key, default: value)
        guard range.contains(number) else { throw table.error(key, "must be \(range.lowerBound) to \(range.upperBound), not \(number)") }
        return number
    }

    static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : (directory.hasSuffix("/") ? directory : directory + "/") + path
    }
}
