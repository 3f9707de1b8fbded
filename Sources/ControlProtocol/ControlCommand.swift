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
    case prime(volume: String)
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
    case reloadLibrary
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
        case .reloadLibrary: "reload_library"
        case .simulate: "simulate"
        }
    }

    public var requiredRole: Role {
        switch self {
        case .status, .watch, .alarms, .library, .history: .observer
        case .reloadLibrary: .admin
        default: .operator
        }
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
