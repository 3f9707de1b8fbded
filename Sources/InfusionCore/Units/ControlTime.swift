/// An instant on the controller's monotonic time base, in nanoseconds.
///
/// The daemon persists this base across restarts so a wall-clock jump can never shorten a rolling
/// dose window (DESIGN.md rule 9); the simulator advances it virtually. Nothing in the core reads a
/// clock: every instant arrives as an argument.
public struct ControlInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static var origin: ControlInstant { ControlInstant(nanoseconds: 0) }

    public static func < (lhs: ControlInstant, rhs: ControlInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: ControlInstant, rhs: ControlDuration) -> ControlInstant {
        ControlInstant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }
    public static func - (lhs: ControlInstant, rhs: ControlDuration) -> ControlInstant {
        ControlInstant(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }
    public static func - (lhs: ControlInstant, rhs: ControlInstant) -> ControlDuration {
        ControlDuration(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }

    public var description: String { ControlDuration(nanoseconds: nanoseconds).description }
}

/// A span of control time, in nanoseconds: exact integer arithmetic for the step planner.
public struct ControlDuration: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(_ span: Seconds) { self.nanoseconds = Int64(saturating: span.value * 1e9) }

    public static var zero: ControlDuration { ControlDuration(nanoseconds: 0) }
    public static func milliseconds(_ value: Int64) -> ControlDuration { ControlDuration(nanoseconds: value * 1_000_000) }
    public static func seconds(_ value: Int64) -> ControlDuration { ControlDuration(nanoseconds: value * 1_000_000_000) }
    public static func minutes(_ value: Int64) -> ControlDuration { .seconds(value * 60) }
    public static func hours(_ value: Int64) -> ControlDuration { .seconds(value * 3_600) }

    public var seconds: Seconds { Seconds(Double(nanoseconds) / 1e9) }

    public static func < (lhs: ControlDuration, rhs: ControlDuration) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: ControlDuration, rhs: ControlDuration) -> ControlDuration {
        ControlDuration(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }
    public static func - (lhs: ControlDuration, rhs: ControlDuration) -> ControlDuration {
        ControlDuration(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }

    public var description: String {
        let totalMilliseconds = nanoseconds / 1_000_000
        let hours = totalMilliseconds / 3_600_000
        let minutes = (totalMilliseconds / 60_000) % 60
        let seconds = Double(totalMilliseconds % 60_000) / 1_000
        return hours > 0
            ? "\(hours) h \(minutes) min \(formatQuantityValue(seconds)) s"
            : minutes > 0 ? "\(minutes) min \(formatQuantityValue(seconds)) s" : "\(formatQuantityValue(seconds)) s"
    }
}
