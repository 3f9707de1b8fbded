/// IEC 60601-1-8 alarm priorities. Only the highest active one drives the buzzer and LEDs.
public enum AlarmPriority: Int, Comparable, Hashable, Sendable, CustomStringConvertible {
    case low = 1, medium = 2, high = 3

    public static func < (lhs: AlarmPriority, rhs: AlarmPriority) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        }
    }
}

/// The alarm catalogue. Raw values are stable: they are logged and index fixed-size storage.
public enum AlarmID: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case occlusion = 0
    case airInLine
    case syringeEmpty
    case syringeDisengaged
    case motorStall
    case deliveryMismatch
    case pumpLinkLost
    case journalFailure
    case loopOverrun
    case restartedDuringInfusion
    case doseLimitReached
    case nearEmpty
    case infusionComplete
    case pausedTooLong
    /// The force sensor reads something no syringe can produce (not a number, or far below zero):
    /// occlusion detection would be blind, so delivery stops.
    case forceSensorFault
    /// The journal was found missing, empty, replaced, rolled back or edited at start (DESIGN.md
    /// rule 11): the totals the caps count against cannot be trusted, so nothing is delivered until
    /// an admin accepts the journal as it is (`accept-journal`), which is logged.
    case journalLost
    /// A vital sign beyond its critical band, or two beyond their warning bands, past their
    /// persistence (issue 17): the patient, not the pump, is in danger; delivery stops until a
    /// clinician resets it with the values back.
    case vitalsCritical
    /// One vital sign beyond its warning band: watched, not stopped.
    case vitalsWarning
    /// A source the drug requires gives nothing valid: the oximeter silent, off the finger or
    /// voided by its own exceptions, or a required observation not charted in time.
    case vitalsSourceLost
    /// A required observation is due to be charted again.
    case vitalsChartDue

    /// Every condition that can endanger the patient is high priority (DESIGN.md rule 3).
    public var priority: AlarmPriority {
        switch self {
        case .occlusion, .airInLine, .syringeEmpty, .syringeDisengaged, .motorStall, .deliveryMismatch,
            .pumpLinkLost, .journalFailure, .loopOverrun, .restartedDuringInfusion, .forceSensorFault, .journalLost, .vitalsCritical:
            .high
        case .doseLimitReached, .pausedTooLong, .vitalsWarning, .vitalsSourceLost: .medium
        case .nearEmpty, .infusionComplete, .vitalsChartDue: .low
        }
    }

    /// A latching alarm stays active after its condition clears, until a technician resets it.
    public var isLatching: Bool { priority == .high || self == .doseLimitReached }

    /// The vital-signs interlock's alarms (issue 17).
    public var isVitals: Bool { self == .vitalsCritical || self == .vitalsWarning || self == .vitalsSourceLost || self == .vitalsChartDue }

    /// Whether raising this alarm stops delivery.
    public var stopsDelivery: Bool { priority == .high || self == .doseLimitReached }

    /// The name used in logs, scenarios and the socket protocol.
    public var name: String {
        switch self {
        case .occlusion: "occlusion"
        case .airInLine: "air_in_line"
        case .syringeEmpty: "syringe_empty"
        case .syringeDisengaged: "syringe_disengaged"
        case .motorStall: "motor_stall"
        case .deliveryMismatch: "delivery_mismatch"
        case .pumpLinkLost: "pump_link_lost"
        case .journalFailure: "journal_failure"
        case .loopOverrun: "loop_overrun"
        case .restartedDuringInfusion: "restarted_during_infusion"
        case .doseLimitReached: "dose_limit_reached"
        case .nearEmpty: "near_empty"
        case .infusionComplete: "infusion_complete"
        case .pausedTooLong: "paused_too_long"
        case .forceSensorFault: "force_sensor_fault"
        case .journalLost: "journal_lost"
        case .vitalsCritical: "vitals_critical"
        case .vitalsWarning: "vitals_warning"
        case .vitalsSourceLost: "vitals_source_lost"
        case .vitalsChartDue: "vitals_chart_due"
        }
    }

    public init?(name: String) {
        guard let found = AlarmID.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public var description: String { name }
}
