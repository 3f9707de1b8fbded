/// Every signal of the reference board (hardware/README.md), named as in the pin map file.
///
/// Raw values index fixed-size storage in the line implementations, so the loop never hashes.
public enum PinFunction: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case step = 0
    case direction
    case enable
    case endOfTravel
    case home
    case clamp
    case encoderA
    case encoderB
    case hx711Data
    case hx711Clock
    case airInLine
    case demandButton
    case buzzer
    case redLED
    case yellowLED
    case nurseCall
    /// The front panel's keys (issue 15): STOP pauses delivery, SILENCE pauses the alarm sound,
    /// in the control tick, with no socket involved.
    case stopKey
    case silenceKey

    /// The key in the pin map's `[lines]` table.
    public var key: String {
        switch self {
        case .step: "step"
        case .direction: "dir"
        case .enable: "enable"
        case .endOfTravel: "end_of_travel"
        case .home: "home"
        case .clamp: "clamp"
        case .encoderA: "encoder_a"
        case .encoderB: "encoder_b"
        case .hx711Data: "hx711_dout"
        case .hx711Clock: "hx711_sck"
        case .airInLine: "air_in_line"
        case .demandButton: "demand_button"
        case .buzzer: "buzzer"
        case .redLED: "led_red"
        case .yellowLED: "led_yellow"
        case .nurseCall: "nurse_call"
        case .stopKey: "stop_key"
        case .silenceKey: "silence_key"
        }
    }

    public var description: String { "lines.\(key)" }

    public var isOutput: Bool {
        switch self {
        case .step, .direction, .enable, .hx711Clock, .buzzer, .redLED, .yellowLED, .nurseCall: true
        default: false
        }
    }

    /// Inputs whose changes arrive as timestamped edge events; the HX711's data line is read as
    /// a level, in step with the clock the backend drives.
    public var reportsEdges: Bool { !isOutput && self != .hx711Data }

    /// A bare drive may omit these: the home switch (a convenience for loading), the demand button
    /// (only for programs that offer one), the encoder (the safety monitor then checks the
    /// driver's step count alone), and the front panel's keys (a board without a panel is
    /// stopped and silenced over the socket). The encoder's two channels come together or not at all.
    public var isOptional: Bool {
        switch self {
        case .home, .demandButton, .encoderA, .encoderB, .stopKey, .silenceKey: true
        default: false
        }
    }

    /// How the reference board is wired (hardware/README.md): what the pin map assumes where it
    /// does not say. Each choice makes a broken wire or a released line read as the safe state.
    public var defaultWiring: LineWiring {
        switch self {
        // DRV8825 nENBL: low enables. A 4.7 kΩ pull-up holds a released line high: disabled.
        case .enable: LineWiring(activeLow: true, bias: .asIs)
        // NO contact to ground, closed when clamped: a broken wire reads "not clamped".
        case .clamp: LineWiring(activeLow: true, bias: .pullUp)
        // NC contact to ground, opened at the end of travel: a broken wire reads "at the end".
        case .endOfTravel: LineWiring(activeLow: false, bias: .pullUp)
        case .home, .demandButton: LineWiring(activeLow: true, bias: .pullUp)
        // NC contact to ground, opened by a press: a broken wire reads "STOP held", which stops.
        case .stopKey: LineWiring(activeLow: false, bias: .pullUp)
        // NO contact to ground, closed by a press: a broken wire reads "not pressed", which
        // never quiets an alarm.
        case .silenceKey: LineWiring(activeLow: true, bias: .pullUp)
        // Open-collector output pulled low by liquid: a broken wire reads "air".
        case .airInLine: LineWiring(activeLow: false, bias: .pullUp)
        case .encoderA, .encoderB: LineWiring(activeLow: false, bias: .pullUp)
        // The relay is energised while all is well; a released line (pull-down) drops it: calls.
        case .nurseCall: LineWiring(activeLow: true, bias: .asIs)
        default: LineWiring(activeLow: false, bias: .asIs)
        }
    }
}

/// How one line is wired: which level means "asserted", and the pad's pull.
public struct LineWiring: Hashable, Sendable {
    public enum Bias: String, CaseIterable, Hashable, Sendable {
        case asIs = "as-is"
        case disabled = "disable"
        case pullUp = "pull-up"
        case pullDown = "pull-down"
    }

    public var activeLow: Bool
    public var bias: Bias

    public init(activeLow: Bool, bias: Bias) {
        self.activeLow = activeLow
        self.bias = bias
    }
}
