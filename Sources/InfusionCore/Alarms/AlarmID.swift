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

    /// Every condition that can endanger the patient is high priority (DESIGN.md rule 3).
    public var priority: AlarmPriority {
        switch self {
        case .occlusion, .airInLine, .syringeEmpty, .syringeDisengaged, .motorStall, .deliveryMismatch,
            .pumpLinkLost, .journalFailure, .loopOverrun, .restartedDuringInfusion, .forceSensorFault:
            .high
        case .doseLimitReached, .pausedTooLong: .medium
        case .nearEmpty, .infusionComplete: .low
        }
    }

    /// A latching alarm stays active after its condition clears, until a technician resets it.
    public var isLatching: Bool { priority == .high || self == .doseLimitReached }

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
        }
    }

    public init?(name: String) {
        guard let found = AlarmID.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public var description: String { name }
}
