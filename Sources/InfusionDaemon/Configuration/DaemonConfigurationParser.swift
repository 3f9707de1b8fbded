import InfusionCore
import SerialPump

/// Reads infusiond.toml. Every problem is a ``ConfigurationError`` naming the file, the key and the
/// reason; nothing is half-applied and the daemon does not start on one.
public enum DaemonConfigurationParser {
    /// `directory` is the config file's own: relative paths inside it are taken from there, so a
    /// config in the work tree can name the work tree's files.
    public static func parse(_ text: String, file: String, directory: String) throws(ConfigurationError) -> DaemonConfiguration {
        let document = try TOMLDocument(text: text, file: file)
        try document.rejectUnknownKeys(["hardware", "paths", "socket", "alarms"])
        let paths = try document.table("paths")
        try paths.rejectUnknownKeys(["drug_library", "syringes", "journal"])
        let socket = try document.optionalTable("socket")
        try socket?.rejectUnknownKeys(["path", "group", "max_connections", "requests_per_second", "idle_timeout"])
        let alarms = try document.optionalTable("alarms")
        try alarms?.rejectUnknownKeys(["paused_call_back"])

        var clients = DaemonConfiguration.ClientLimits()
        if let socket {
            clients.maximumConnections = try bounded(socket, "max_connections", default: clients.maximumConnections, 1...256)
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
        return DaemonConfiguration(
            hardware: try hardware(try document.table("hardware"), directory: directory),
            drugLibrary: resolve(try paths.string("drug_library"), in: directory),
            syringes: resolve(try paths.string("syringes"), in: directory),
            socket: resolve(try socket?.optionalString("path") ?? "/run/infusiond/control.sock", in: directory),
            socketGroup: try socket?.optionalString("group") ?? "infusion",
            journal: resolve(try paths.string("journal"), in: directory),
            clients: clients, pausedCallBack: pausedCallBack)
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
            try table.rejectUnknownKeys(["kind", "port", "baud", "address", "safe_mode_timeout"])
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
            return .ne1000(port: try table.string("port"), settings: settings)
        case "gpio":
            if table.contains("time_scale") { throw table.error("time_scale", "only the simulator can run faster than real time") }
            try table.rejectUnknownKeys(["kind", "pin_map"])
            return .gpio(pinMap: resolve(try table.string("pin_map"), in: directory))
        default:
            throw table.error("kind", "must be \"simulator\", \"ne1000\" or \"gpio\", not \"\(kind)\"")
        }
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
