/// A magnitude in one fixed unit, so that a rate in mL/h can never be passed where mg/kg/h is meant.
///
/// Every conforming type stores its value in the unit its name spells out (`Millilitres` holds mL);
/// conversions between kinds are the operators in `QuantityArithmetic.swift`, and nowhere else.
public protocol PhysicalQuantity: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// The magnitude, in ``unitSymbol``.
    var value: Double { get }
    init(_ value: Double)
    /// The symbol a technician types and reads, e.g. `mg/kg/h`.
    static var unitSymbol: String { get }
}

extension PhysicalQuantity {
    public static var zero: Self { Self(0) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    public static func + (lhs: Self, rhs: Self) -> Self { Self(lhs.value + rhs.value) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(lhs.value - rhs.value) }
    public static func * (lhs: Self, rhs: Double) -> Self { Self(lhs.value * rhs) }
    public static func / (lhs: Self, rhs: Double) -> Self { Self(lhs.value / rhs) }
    /// The dimensionless ratio of two amounts of the same kind.
    public static func / (lhs: Self, rhs: Self) -> Double { lhs.value / rhs.value }

    public var description: String { "\(formatQuantityValue(value)) \(Self.unitSymbol)" }
}

/// Prints a value the way a clinician writes it: no trailing zeros, at most four decimals.
public func formatQuantityValue(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    // Four decimals, or four significant digits if that is finer: 0.35 µg/kg/h once showed as
    // 0.0004 mg/kg/h (red team, issue 14 F12).
    var scale = 10_000.0
    var magnitude = abs(value)
    var decimals = 0
    while magnitude < 1, magnitude > 0, decimals < 11 {
        magnitude *= 10
        decimals += 1
        if decimals > 1 { scale *= 10 }
    }
    let rounded = (value * scale).rounded() / scale
    if rounded == rounded.rounded(), abs(rounded) < 1e15 {
        return String(Int64(rounded))
    }
    var text = String(rounded)
    while text.contains("."), text.hasSuffix("0") { text.removeLast() }
    return text
}

public struct Millilitres: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mL"
}

public struct Milligrams: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mg"
}

public struct Kilograms: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "kg"
}

public struct MilligramsPerMillilitre: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mg/mL"
}

public struct MillilitresPerHour: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mL/h"
}

public struct MilligramsPerHour: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mg/h"
}

public struct MilligramsPerKilogramPerHour: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mg/kg/h"
}

public struct MilligramsPerKilogram: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mg/kg"
}

/// A span of time as a clinician states it ("4 h", "30 min"); control time uses ``ControlDuration``.
public struct Seconds: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "s"

    public static func minutes(_ minutes: Double) -> Seconds { Seconds(minutes * 60) }
    public static func hours(_ hours: Double) -> Seconds { Seconds(hours * 3_600) }
    public var hours: Double { value / 3_600 }
    public var minutes: Double { value / 60 }
}

/// Pressure in the infusion line, in the unit the GIP and IEC 60601-2-24 limits are written in.
public struct MillimetresOfMercury: PhysicalQuantity {
    public let value: Double
    public init(_ value: Double) { self.value = value }
    public static let unitSymbol = "mmHg"
}

extension PhysicalQuantity {
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
}
