/// Rate units as the NE-1000 names them (`RAT 5.000 MH`).
public enum NE1000RateUnits: String, Hashable, Sendable, CaseIterable {
    case microlitresPerMinute = "UM"
    case millilitresPerMinute = "MM"
    case microlitresPerHour = "UH"
    case millilitresPerHour = "MH"

    /// How many mL/h one of these is.
    public var millilitresPerHour: Double {
        switch self {
        case .microlitresPerMinute: 0.06
        case .millilitresPerMinute: 60
        case .microlitresPerHour: 0.001
        case .millilitresPerHour: 1
        }
    }

    /// The units that show `millilitresPerHour` with the most digits inside four: the driver
    /// picks these so a slow rate keeps its precision (0.245 mL/h is sent as 245.0 UH).
    public static func best(for millilitresPerHour: Double) -> NE1000RateUnits {
        if millilitresPerHour < 10 { return .microlitresPerHour }
        return .millilitresPerHour
    }
}

/// Volume units: the pump uses µL at or below a 14.00 mm diameter and mL above (manual).
public enum NE1000VolumeUnits: String, Hashable, Sendable, CaseIterable {
    case microlitres = "UL"
    case millilitres = "ML"

    public var millilitres: Double { self == .microlitres ? 0.001 : 1 }

    /// The manual's rule: the diameter decides the default volume units.
    public static func forDiameter(_ millimetres: Double) -> NE1000VolumeUnits {
        millimetres <= 14.0 ? .microlitres : .millilitres
    }
}

/// The pumping direction (`DIR INF|WDR`).
public enum NE1000Direction: String, Hashable, Sendable {
    case infuse = "INF"
    case withdraw = "WDR"
}
