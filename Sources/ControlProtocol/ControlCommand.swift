/// A technician's request, decoded and checked for shape; the daemon checks the rest (the state,
/// the limits). Quantities stay text ("0.35 mg/kg/h") and go through the core's one parser, so the
/// socket and the command line accept exactly the same spellings.
public enum ControlCommand: Hashable, Sendable {
    case status
    /// Status now and at every change, until the client goes.
    case watch
    case alarms
    case library
    case history(sinceControlNanoseconds: Int64?, limit: Int, verify: Bool)
    case loadSyringe(name: String, fill: String?)
    case unloadSyringe
    /// `lineDisconnected`: the technician's word that the line is off the patient (PATIENT-005).
    case prime(volume: String, lineDisconnected: Bool = false)
    case program(ProgramArguments)
    case start
    case pause
    case resume
    case stop
    case bolus(dose: String, confirmSoftLimits: Bool)
    /// nil: every active alarm.
    case acknowledge(alarm: String?)
    case silence
    case reset
    /// A new patient, or a corrected weight (DESIGN.md rule 10): the caps start again for them.
    case newPatient(weight: String, id: String?)
    /// Observations charted by hand (issue 17), as typed: blood pressure "150/95", respiratory
    /// rate, heart rate, SpO2; at least one.
    case vitals(ChartArguments)
    case reloadLibrary
    /// An admin accepts a journal found lost as it is (DESIGN.md rule 11), saying why; logged.
    case acceptJournal(reason: String)
    /// Injects a fault into the in-process simulator (refused on real hardware): "occlusion",
    /// "clear_occlusion", "air", "disengage", "engage", "stall", "unstall".
    case simulate(fault: String)

    /// The name on the wire and in the event log.
    public var name: String {
        switch self {
        case .status: "status"
        case .watch: "watch"
        case .alarms: "alarms"
        case .library: "library"
        case .history: "history"
        case .loadSyringe: "load_syringe"
        case .unloadSyringe: "unload_syringe"
        case .prime: "prime"
        case .program: "program"
        case .start: "start"
        case .pause: "pause"
        case .resume: "resume"
        case .stop: "stop"
        case .bolus: "bolus"
        case .acknowledge: "ack"
        case .silence: "silence"
        case .reset: "reset"
        case .newPatient: "new_patient"
        case .vitals: "vitals"
        case .reloadLibrary: "reload_library"
        case .acceptJournal: "accept_journal"
        case .simulate: "simulate"
        }
    }

    public var requiredRole: Role {
        switch self {
        case .status, .watch, .alarms, .library, .history: .observer
        case .reloadLibrary, .acceptJournal: .admin
        default: .operator
        }
    }

    /// `pause` and `stop` only ever take the pump toward no delivery: the daemon obeys them even
    /// when the journal cannot record them first or the peer's uid is over its rate, since a stop
    /// refused for bookkeeping is the greater harm (the loop's own events still log the stop).
    public var onlyStopsDelivery: Bool {
        switch self {
        case .pause, .stop: true
        default: false
        }
    }
}

/// A patient identifier as `new-patient --id` takes it: 1–40 letters, digits, `.`, `-` or `_`.
///
/// It goes into the event log and, through the gateway, into HL7 (PID-3), where `|^~\&` are
/// delimiters: a narrow alphabet keeps it one field everywhere it travels.
public enum PatientIdentifier {
    public static let maximumLength = 40

    public static func problem(with id: String) -> String? {
        guard (1...maximumLength).contains(id.count) else { return "must be 1–\(maximumLength) characters, not \(id.count)" }
        let allowed = id.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar)
        }
        return allowed ? nil : "may hold only letters, digits, \".\", \"-\" and \"_\""
    }
}

/// `vitals`' arguments as the nurse typed them.
public struct ChartArguments: Codable, Hashable, Sendable {
    public var bloodPressure: String?
    public var respiratoryRate: String?
    public var heartRate: String?
    public var spo2: String?

    public init(bloodPressure: String? = nil, respiratoryRate: String? = nil, heartRate: String? = nil, spo2: String? = nil) {
        self.bloodPressure = bloodPressure
        self.respiratoryRate = respiratoryRate
        self.heartRate = heartRate
        self.spo2 = spo2
    }

    /// As typed, for the log: "bp 150/95 rr 14".
    public var description: String {
        [("bp", bloodPressure), ("rr", respiratoryRate), ("hr", heartRate), ("spo2", spo2)].compactMap { name, value in value.map { "\(name) \($0)" } }
            .joined(separator: " ")
    }
}

/// `program`'s arguments as the technician typed them.
public struct ProgramArguments: Codable, Hashable, Sendable {
    public var drug: String
    public var concentration: String
    public var weight: String
    public var dose: String
    /// Exactly one of `duration` and `volume`.
    public var duration: String?
    public var volume: String?
    public var bolus: String?
    public var confirmSoftLimits: Bool

    public init(
        drug: String, concentration: String, weight: String, dose: String, duration: String? = nil, volume: String? = nil,
        bolus: String? = nil, confirmSoftLimits: Bool = false
    ) {
        self.drug = drug
        self.concentration = concentration
        self.weight = weight
        self.dose = dose
        self.duration = duration
        self.volume = volume
        self.bolus = bolus
        self.confirmSoftLimits = confirmSoftLimits
    }
}
