import GPIOPump
import InfusionCore
import PumpHardware
import PumpSimulator

/// Lines that behave like a wired board and cost next to nothing, so a benchmark over them times
/// the GPIO backend and the tick rather than a simulation. Each step taken turns the encoder 1.25
/// counts; the HX711 is the simulator's model of the chip at a steady 2 N; the switches stay at
/// their safe levels. `hold` only moves the clock: on the board those waits are the datasheets'
/// pulse widths, spent busy-waiting, and are reported beside the figures rather than in them.
struct LoopbackBoard: GPIOLines {
    private var levels = [Bool](repeating: false, count: PinFunction.allCases.count)
    private var hx711: SimulatedHX711
    private var edges: [EdgeEvent] = []
    private var encoder = SteppedEncoder()
    private(set) var now: ControlInstant

    init(calibration: HX711Calibration, at start: ControlInstant) {
        hx711 = SimulatedHX711(calibration: calibration, startingAt: start)
        now = start
        levels[PinFunction.clamp.rawValue] = true
        edges.reserveCapacity(64)
    }

    mutating func advance(to instant: ControlInstant) {
        now = instant
        hx711.advance(to: instant, newtons: 2)
    }

    mutating func set(_ function: PinFunction, _ asserted: Bool) throws(GPIOLineError) {
        let rising = asserted && !levels[function.rawValue]
        levels[function.rawValue] = asserted
        guard rising else { return }
        if function == .hx711Clock { hx711.clockRising() }
        if function == .step, levels[PinFunction.enable.rawValue] {
            var turning = encoder
            turning.step(forward: levels[PinFunction.direction.rawValue]) { channelA, level in
                edge(channelA ? .encoderA : .encoderB, level)
            }
            encoder = turning
        }
    }

    mutating func get(_ function: PinFunction) throws(GPIOLineError) -> Bool {
        function == .hx711Data ? hx711.dataLine : levels[function.rawValue]
    }

    mutating func drainEdges(_ body: (EdgeEvent) -> Void) throws(GPIOLineError) {
        for edge in edges { body(edge) }
        edges.removeAll(keepingCapacity: true)
    }

    mutating func hold(nanoseconds: Int64) {
        now = now + ControlDuration(nanoseconds: nanoseconds)
    }

    private mutating func edge(_ function: PinFunction, _ level: Bool) {
        levels[function.rawValue] = level
        edges.append(EdgeEvent(function: function, asserted: level, at: now))
    }
}
