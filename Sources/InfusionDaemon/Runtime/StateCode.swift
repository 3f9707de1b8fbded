import InfusionCore

/// States as small numbers, for the loop's event ring and gauges: a switch, so the loop never
/// builds `allCases` (an array) to find one.
extension InfusionState {
    public var code: UInt16 {
        switch self {
        case .noSyringe: 0
        case .syringeLoaded: 1
        case .programmed: 2
        case .running: 3
        case .paused: 4
        case .bolus: 5
        case .keepVeinOpen: 6
        case .completed: 7
        case .stoppedByAlarm: 8
        case .fault: 9
        case .priming: 10
        }
    }

    public init?(code: UInt16) {
        guard let state = InfusionState.allCases.first(where: { $0.code == code }) else { return nil }
        self = state
    }

    /// The name on the wire and in the log: snake case, as every other protocol name.
    public var wireName: String {
        switch self {
        case .noSyringe: "no_syringe"
        case .syringeLoaded: "syringe_loaded"
        case .keepVeinOpen: "kvo"
        case .stoppedByAlarm: "stopped_by_alarm"
        default: rawValue
        }
    }
}
