/// The `alarms` result: every active alarm, highest priority first, and whether audio is paused.
public struct AlarmsResult: Codable, Hashable, Sendable {
    public var alarms: [StatusReport.Alarm]
    public var audioPaused: Bool

    public init(alarms: [StatusReport.Alarm], audioPaused: Bool) {
        self.alarms = alarms
        self.audioPaused = audioPaused
    }
}

/// The `library` result: the drug library in force, identified by its checksum.
public struct LibraryResult: Codable, Hashable, Sendable {
    public struct Drug: Codable, Hashable, Sendable {
        public var name: String
        public var displayName: String
        public var concentrationsMgPerMl: [Double]
        /// The hard maximum dose rate, as the library states it ("0.5 mg/kg/h").
        public var hardMaximumDose: String?

        public init(name: String, displayName: String, concentrationsMgPerMl: [Double], hardMaximumDose: String?) {
            self.name = name
            self.displayName = displayName
            self.concentrationsMgPerMl = concentrationsMgPerMl
            self.hardMaximumDose = hardMaximumDose
        }
    }

    public var name: String
    public var version: String
    public var checksum: String
    public var drugs: [Drug]

    public init(name: String, version: String, checksum: String, drugs: [Drug]) {
        self.name = name
        self.version = version
        self.checksum = checksum
        self.drugs = drugs
    }
}

/// The `history` result: events from the hash-chained log, oldest first, and, when asked, how
/// many the chain verified.
public struct HistoryResult: Codable, Hashable, Sendable {
    public struct Event: Codable, Hashable, Sendable {
        public var id: Int64
        public var wallTime: String
        public var controlNs: Int64
        public var boot: Int64
        public var uid: Int64?
        public var pid: Int64?
        public var role: String?
        public var type: String
        public var details: String

        public init(
            id: Int64, wallTime: String, controlNs: Int64, boot: Int64, uid: Int64?, pid: Int64?, role: String?, type: String,
            details: String
        ) {
            self.id = id
            self.wallTime = wallTime
            self.controlNs = controlNs
            self.boot = boot
            self.uid = uid
            self.pid = pid
            self.role = role
            self.type = type
            self.details = details
        }
    }

    public var events: [Event]
    public var verifiedEvents: Int?
    /// Events asked for but left out so the answer fits a reply (``maximumBytes``): the oldest
    /// when reading the newest, the newest when reading from a time. Ask again with `since`.
    public var omittedEvents: Int?

    /// The largest history answer the daemon sends: half its per-client output cap, so a reply
    /// is never cut off (`history --limit 10000` once lost its whole answer past the 1 MiB cap).
    public static let maximumBytes = 512 * 1_024

    public init(events: [Event], verifiedEvents: Int?, omittedEvents: Int? = nil) {
        self.events = events
        self.verifiedEvents = verifiedEvents
        self.omittedEvents = omittedEvents
    }
}
