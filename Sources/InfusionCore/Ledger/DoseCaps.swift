/// The rolling windows the cumulative caps are counted over.
public enum DoseWindow: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case oneHour, fourHours, twentyFourHours

    public var length: ControlDuration {
        switch self {
        case .oneHour: .hours(1)
        case .fourHours: .hours(4)
        case .twentyFourHours: .hours(24)
        }
    }

    public var description: String {
        switch self {
        case .oneHour: "1 h"
        case .fourHours: "4 h"
        case .twentyFourHours: "24 h"
        }
    }
}

/// Cumulative hard caps for one patient, in milligrams (``CumulativeCaps`` times the weight).
public struct DoseCaps: Hashable, Sendable {
    public let perHour: Milligrams
    public let perFourHours: Milligrams
    public let perTwentyFourHours: Milligrams
    public let perProgram: Milligrams

    public init(perHour: Milligrams, perFourHours: Milligrams, perTwentyFourHours: Milligrams, perProgram: Milligrams) {
        self.perHour = perHour
        self.perFourHours = perFourHours
        self.perTwentyFourHours = perTwentyFourHours
        self.perProgram = perProgram
    }

    public func cap(for window: DoseWindow) -> Milligrams {
        switch window {
        case .oneHour: perHour
        case .fourHours: perFourHours
        case .twentyFourHours: perTwentyFourHours
        }
    }
}
