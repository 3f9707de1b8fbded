import InfusionCore
import PumpHardware

/// The board's inputs as the loop last understood them: encoder count, debounced switches and
/// sensor, demand presses. Fed the lines' edges, oldest first.
struct GPIOInputs: Sendable {
    /// Switch contacts settle within 20 ms; the demand button is given 50 ms, so one press is one
    /// request; the air sensor's output is electronic and needs only 2 ms.
    static var switchSettle: ControlDuration { .milliseconds(20) }
    static var buttonSettle: ControlDuration { .milliseconds(50) }
    static var airSettle: ControlDuration { .milliseconds(2) }

    var encoder: QuadratureDecoder?
    var clamp: FailSafeDebouncer
    var endOfTravel: FailSafeDebouncer
    var air: FailSafeDebouncer
    var home: FailSafeDebouncer?
    var demand: FailSafeDebouncer?
    var demandPresses: Int64 = 0
    /// The front panel's keys: STOP read as a level (held while it reads so), SILENCE as presses.
    var stop: FailSafeDebouncer?
    var silence: FailSafeDebouncer?
    var silencePresses: Int64 = 0

    /// Reads each fitted input's present level.
    init<Lines: GPIOLines>(lines: inout Lines, map: PinMap, at now: ControlInstant) throws(GPIOLineError) {
        clamp = FailSafeDebouncer(initial: try lines.get(.clamp), unsafeLevel: false, settle: Self.switchSettle, at: now)
        endOfTravel = FailSafeDebouncer(initial: try lines.get(.endOfTravel), unsafeLevel: true, settle: Self.switchSettle, at: now)
        air = FailSafeDebouncer(initial: try lines.get(.airInLine), unsafeLevel: true, settle: Self.airSettle, at: now)
        if map[.home] != nil {
            home = FailSafeDebouncer(initial: try lines.get(.home), unsafeLevel: true, settle: Self.switchSettle, at: now)
        }
        if map[.demandButton] != nil {
            demand = FailSafeDebouncer(initial: try lines.get(.demandButton), unsafeLevel: true, settle: Self.buttonSettle, at: now)
        }
        if map[.stopKey] != nil {
            // Uncertain (bouncing) reads as held: a doubtful STOP stops.
            stop = FailSafeDebouncer(initial: try lines.get(.stopKey), unsafeLevel: true, settle: Self.switchSettle, at: now)
        }
        if map[.silenceKey] != nil {
            // Uncertain reads as not pressed: a doubtful SILENCE never quiets an alarm.
            silence = FailSafeDebouncer(initial: try lines.get(.silenceKey), unsafeLevel: false, settle: Self.buttonSettle, at: now)
        }
        if map.encoderFitted {
            encoder = QuadratureDecoder(a: try lines.get(.encoderA), b: try lines.get(.encoderB))
        }
    }

    mutating func route(_ event: EdgeEvent) {
        switch event.function {
        case .encoderA, .encoderB: encoder?.edge(channelA: event.function == .encoderA, level: event.asserted)
        case .clamp: clamp.edge(event.asserted, at: event.at)
        case .endOfTravel: endOfTravel.edge(event.asserted, at: event.at)
        case .airInLine: air.edge(event.asserted, at: event.at)
        case .home: home?.edge(event.asserted, at: event.at)
        case .demandButton:
            guard var button = demand else { return }
            let wasPressed = button.level
            button.edge(event.asserted, at: event.at)
            if button.level, !wasPressed { demandPresses += 1 }
            demand = button
        case .stopKey: stop?.edge(event.asserted, at: event.at)
        case .silenceKey:
            guard var key = silence else { return }
            key.edge(event.asserted, at: event.at)
            silence = key
        default: break
        }
    }

    mutating func settle(at now: ControlInstant) {
        clamp.settle(at: now)
        endOfTravel.settle(at: now)
        air.settle(at: now)
        home?.settle(at: now)
        demand?.settle(at: now)
        stop?.settle(at: now)
        if var key = silence {
            let wasPressed = key.level
            key.settle(at: now)
            if key.level, !wasPressed { silencePresses += 1 }
            silence = key
        }
    }
}
