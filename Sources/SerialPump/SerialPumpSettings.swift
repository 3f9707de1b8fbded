import InfusionCore

/// How the driver talks to an NE-1000, from the daemon's config.
public struct SerialPumpSettings: Hashable, Sendable {
    public var address: Int
    public var baud: Int
    /// The pump's safe-mode timeout: with no valid packet for this long it stops itself and
    /// alarms `A?T`. This is what stops the pump when the host dies (DESIGN.md rule 4).
    public var safeModeTimeoutSeconds: Int
    /// A reply slower than this is a link failure. A `DIS` round trip at 19 200 baud measures
    /// 13.6 ms median, 19.2 ms p99 over the emulator (Benchmarks/README.md), of which 12.5 ms is
    /// wire time; 150 ms leaves room for a loaded host without hiding a dead line.
    public var replyTimeout: ControlDuration
    /// How often `DIS` is read while the pump may be running: four times a second keeps the
    /// unconfirmed delivery under 0.25 s of flow and the line under 15 % busy at 19 200 baud
    /// (about 25 bytes each way per poll), and is far inside the safe-mode timeout, so the poll
    /// is also the heartbeat.
    public var pollInterval: ControlDuration
    public var mechanics: PumpMechanics

    public init(
        address: Int = 0, baud: Int = 19_200, safeModeTimeoutSeconds: Int = 2,
        replyTimeout: ControlDuration = .milliseconds(150), pollInterval: ControlDuration = .milliseconds(250),
        mechanics: PumpMechanics = .reference
    ) {
        self.address = address
        self.baud = baud
        self.safeModeTimeoutSeconds = safeModeTimeoutSeconds
        self.replyTimeout = replyTimeout
        self.pollInterval = pollInterval
        self.mechanics = mechanics
    }
}
