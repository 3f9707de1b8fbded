import InfusionCore
import SerialPump

/// What `/etc/infusiond/infusiond.toml` says: which pump, which files, which socket, which limits
/// on clients. Read whole and checked before anything starts; paths are already resolved against
/// the file's own directory.
public struct DaemonConfiguration: Hashable, Sendable {
    public enum Hardware: Hashable, Sendable {
        /// The in-process simulator. `timeScale` runs control time faster than the wall clock, for
        /// demonstrations only: a 30-minute infusion in 30 s at 60.
        case simulator(timeScale: Double, fill: Millilitres)
        /// A New Era NE-1000 on a serial port.
        case ne1000(port: String, settings: SerialPumpSettings)
        /// The reference board's stepper through libgpiod, wired as the pin map says.
        case gpio(pinMap: String)

        public var name: String {
            switch self {
            case .simulator: "simulator"
            case .ne1000: "ne1000"
            case .gpio: "gpio"
            }
        }
    }

    /// Limits that keep a hostile or broken client from hurting the loop.
    public struct ClientLimits: Hashable, Sendable {
        public var maximumConnections: Int
        /// Slots of `maximumConnections` only an operator or an admin may take: sixteen watchers
        /// once held every slot and `pause` was told busy (issue 15). When even those are full, an
        /// operator's connection closes the watcher that asked least recently.
        public var reservedConnections: Int
        public var requestsPerSecond: Int
        public var idleTimeout: ControlDuration

        public init(
            maximumConnections: Int = 16, reservedConnections: Int = 2, requestsPerSecond: Int = 20, idleTimeout: ControlDuration = .minutes(10)
        ) {
            self.maximumConnections = maximumConnections
            self.reservedConnections = reservedConnections
            self.requestsPerSecond = requestsPerSecond
            self.idleTimeout = idleTimeout
        }
    }

    public var hardware: Hardware
    public var drugLibrary: String
    public var syringes: String
    public var socket: String
    /// The group the socket belongs to (mode 0660): who may connect at all.
    public var socketGroup: String
    public var journal: String
    public var clients: ClientLimits
    /// How long the pump may stay paused before the paused-too-long alarm.
    public var pausedCallBack: ControlDuration
    /// How long the start waits for hardware that is not there yet (a USB serial adapter that
    /// enumerates late, a GPIO chip whose driver is still loading) before it exits 75 for systemd
    /// to try again (`hardware.appear_within`; issue 16).
    public var hardwareWait: ControlDuration
    /// The bedside pulse oximeter (`[vitals]`, issue 17); nil where none is fitted.
    public var oximeter: Oximeter?

    public struct Oximeter: Hashable, Sendable {
        /// Only "masimo-ascii" is spoken (Masimo SET ASCII 1 output).
        public var port: String
        public var baud: Int

        public init(port: String, baud: Int = 9_600) {
            self.port = port
            self.baud = baud
        }
    }

    public init(
        hardware: Hardware, drugLibrary: String, syringes: String, socket: String, socketGroup: String, journal: String,
        clients: ClientLimits = ClientLimits(), pausedCallBack: ControlDuration = .minutes(2), hardwareWait: ControlDuration = .seconds(10)
    ) {
        self.hardwareWait = hardwareWait
        self.hardware = hardware
        self.drugLibrary = drugLibrary
        self.syringes = syringes
        self.socket = socket
        self.socketGroup = socketGroup
        self.journal = journal
        self.clients = clients
        self.pausedCallBack = pausedCallBack
    }

    public static let defaultPath = "/etc/infusiond/infusiond.toml"
}
