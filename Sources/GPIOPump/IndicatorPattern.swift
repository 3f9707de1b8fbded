import InfusionCore
import PumpHardware

/// What the buzzer, LEDs and nurse-call relay show at one instant.
public struct IndicatorOutputs: Hashable, Sendable {
    public var red: Bool
    public var yellow: Bool
    public var buzzer: Bool
    public var nurseCall: Bool

    public init(red: Bool = false, yellow: Bool = false, buzzer: Bool = false, nurseCall: Bool = false) {
        self.red = red
        self.yellow = yellow
        self.buzzer = buzzer
        self.nurseCall = nurseCall
    }
}

/// The IEC 60601-1-8 patterns for the highest-priority active alarm (DESIGN.md rule 6).
///
/// - High: red flashing at 2 Hz, 50 % duty (the standard asks 1.4–2.8 Hz, 20–60 %); a burst of
///   ten 150 ms pulses in two groups of five (x-x-x--x-x, twice), repeated every 8 s (2.5–15 s).
/// - Medium: yellow flashing at 0.5 Hz, 50 % (0.4–0.8 Hz); three 200 ms pulses every 15 s.
/// - Low: yellow steady; two 200 ms pulses every 30 s.
///
/// The buzzer is a self-oscillating one: its pitch is fixed, so the pulse pattern carries the
/// priority of the highest alarm not yet acknowledged; it is silent while every active alarm is
/// acknowledged or audio is paused; the lights are not.
/// The nurse call is raised for high and medium alarms.
public enum IndicatorPattern {
    /// `phase` is the time since this indicator state began, so every pattern starts with a pulse.
    public static func outputs(for indicator: AlarmIndicator, phase: ControlDuration) -> IndicatorOutputs {
        guard let priority = indicator.priority else { return IndicatorOutputs() }
        let milliseconds = max(0, phase.nanoseconds / 1_000_000)
        var outputs = IndicatorOutputs()
        switch priority {
        case .high:
            outputs.red = milliseconds % 500 < 250
            outputs.nurseCall = true
        case .medium:
            outputs.yellow = milliseconds % 2_000 < 1_000
            outputs.nurseCall = true
        case .low:
            outputs.yellow = true
        }
        // The sound is the highest unacknowledged alarm's, which may be below the lights'.
        switch indicator.soundPriority {
        case .high?: outputs.buzzer = highBurst(milliseconds % 8_000)
        case .medium?: outputs.buzzer = pulses(milliseconds % 15_000, count: 3)
        case .low?: outputs.buzzer = pulses(milliseconds % 30_000, count: 2)
        case nil: outputs.buzzer = false
        }
        return outputs
    }

    /// Five pulses 250 ms apart with a double gap before the fourth, twice, 2 s apart.
    private static func highBurst(_ milliseconds: Int64) -> Bool {
        let group = milliseconds % 2_000
        guard milliseconds < 4_000 else { return false }
        switch group {
        case 0..<150, 250..<400, 500..<650, 1_000..<1_150, 1_250..<1_400: return true
        default: return false
        }
    }

    /// `count` pulses of 200 ms, 300 ms apart.
    private static func pulses(_ milliseconds: Int64, count: Int64) -> Bool {
        milliseconds < 300 * count && milliseconds % 300 < 200
    }
}
