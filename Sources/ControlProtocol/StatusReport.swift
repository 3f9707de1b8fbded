/// The `status` result and each `watch` update: what a technician needs at a glance, in plain
/// numbers with their units in the names (docs/protocol.md). The daemon fills it from the
/// controller's status; infusionctl renders it.
public struct StatusReport: Codable, Hashable, Sendable {
    public struct Program: Codable, Hashable, Sendable {
        public var drug: String
        public var concentrationMgPerMl: Double
        /// The dose as programmed, e.g. "0.35 mg/kg/h".
        public var dose: String
        public var volumeMl: Double
        public var durationS: Double

        public init(drug: String, concentrationMgPerMl: Double, dose: String, volumeMl: Double, durationS: Double) {
            self.drug = drug
            self.concentrationMgPerMl = concentrationMgPerMl
            self.dose = dose
            self.volumeMl = volumeMl
            self.durationS = durationS
        }
    }

    /// The patient the caps are counted for (DESIGN.md rule 10).
    public struct Patient: Codable, Hashable, Sendable {
        public var weightKg: Double
        /// As given to `new-patient --id`; none for a patient named by a first program.
        public var id: String?
        /// Which patient of the pump's life.
        public var number: Int64

        public init(weightKg: Double, id: String?, number: Int64) {
            self.weightKg = weightKg
            self.id = id
            self.number = number
        }
    }

    public struct Alarm: Codable, Hashable, Sendable {
        public enum Priority: String, Codable, Hashable, Sendable, Comparable {
            case low, medium, high
            public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
            private var rank: Int { self == .low ? 0 : self == .medium ? 1 : 2 }
        }

        public var id: String
        public var priority: Priority
        public var acknowledged: Bool

        public init(id: String, priority: Priority, acknowledged: Bool) {
            self.id = id
            self.priority = priority
            self.acknowledged = acknowledged
        }
    }

    public var state: String
    public var rateMlPerH: Double
    public var program: Program?
    public var deliveredMl: Double
    public var deliveredMg: Double
    public var timeRemainingS: Double?
    public var syringeRemainingMl: Double?
    public var pressureMmHg: Double
    public var alarms: [Alarm]
    public var audioPaused: Bool
    /// The loaded syringe's model.
    public var syringe: String?
    /// The dose ledger: drug commanded over the pump's life and in this program, mg. Never less
    /// than what was delivered (DESIGN.md rule 5), so at most a second's flow more.
    public var ledgerMg: Double?
    public var programLedgerMg: Double?
    /// What the in-process simulator's physics says reached the patient (simulator only).
    public var simulatorDeliveredMl: Double?
    /// Volume primed into the line from the loaded syringe: moved, not given (no drug counted).
    public var primedMl: Double?
    /// The loop's control time, s (DESIGN.md rule 9): it only goes forward, across restarts too.
    public var controlTimeS: Double?
    /// The ledger's rolling windows, mg: what the 1 h, 4 h and 24 h caps are checked against.
    /// They run on control time, so a wall-clock step neither empties nor refills them.
    public var lastHourMg: Double?
    public var lastFourHoursMg: Double?
    public var lastDayMg: Double?
    public var patient: Patient?
    /// The loaded syringe's line is on the patient: delivery has started on it, priming is refused,
    /// and every forward motion counts as drug until it is unloaded.
    public var lineOnPatient: Bool?
    /// The latest value of each vital sign the pump knows (issue 17), oximeter or charted,
    /// whichever is fresher, with its age and how the interlock rates it.
    public var vitals: [Vital]?

    public struct Vital: Codable, Hashable, Sendable {
        /// "spo2", "heart_rate", "systolic", "diastolic", "respiratory_rate".
        public var sign: String
        public var value: Double
        public var unit: String
        /// "oximeter" or "charted".
        public var source: String
        public var ageS: Double
        /// "normal", "warning" or "critical" as the interlock counts it now ("normal" where no
        /// program is watched or the value has not yet persisted).
        public var level: String

        public init(sign: String, value: Double, unit: String, source: String, ageS: Double, level: String) {
            self.sign = sign
            self.value = value
            self.unit = unit
            self.source = source
            self.ageS = ageS
            self.level = level
        }
    }

    public init(
        state: String, rateMlPerH: Double, program: Program?, deliveredMl: Double, deliveredMg: Double, timeRemainingS: Double?,
        syringeRemainingMl: Double?, pressureMmHg: Double, alarms: [Alarm], audioPaused: Bool
    ) {
        self.state = state
        self.rateMlPerH = rateMlPerH
        self.program = program
        self.deliveredMl = deliveredMl
        self.deliveredMg = deliveredMg
        self.timeRemainingS = timeRemainingS
        self.syringeRemainingMl = syringeRemainingMl
        self.pressureMmHg = pressureMmHg
        self.alarms = alarms
        self.audioPaused = audioPaused
    }

    /// The alarm that drives the indicators: the highest priority, the oldest listed first among equals.
    public var leadingAlarm: Alarm? {
        alarms.max { $0.priority < $1.priority }.flatMap { top in alarms.first { $0.priority == top.priority } }
    }
}
