import GPIOPump
import InfusionCore
import PumpHardware
import PumpSimulator

/// The kernel's lines as the harness runs them: every call goes to libgpiod, and for the last edge
/// on each input the kernel's stamp and the tick that received it are kept, so a report can show
/// that the tick which received an edge is the one that reacted.
///
/// gpio-sim cannot answer a clock. An input changes only when someone writes its pull in sysfs,
/// milliseconds apart under TCG, while an HX711 puts each bit on DOUT within 0.1 µs of a rising
/// SCK edge. So, when `hx711` holds the simulator's model of the chip, SCK is still driven on the
/// kernel's line and DOUT is still requested from it, but the level the reader gets back is the
/// model's. Without the model, DOUT is the kernel's line and whatever pull the checker holds on it
/// is what the reader sees: that is how the stage shows an absent amplifier is refused.
struct HarnessLines: GPIOLines {
    let kernel: LibGPIODLines
    var hx711: SimulatedHX711?
    /// When the kernel stamped the last edge on each input, by ``PinFunction/rawValue``.
    private(set) var lastEdge: [ControlInstant?] = Array(repeating: nil, count: PinFunction.allCases.count)
    /// When the tick that drained that edge began, by ``PinFunction/rawValue``.
    private(set) var lastEdgeReceived: [ControlInstant?] = Array(repeating: nil, count: PinFunction.allCases.count)
    /// When the present tick began; set by the loop before it samples.
    var tickStartedAt = ControlInstant.origin

    init(kernel: LibGPIODLines, hx711: SimulatedHX711?) {
        self.kernel = kernel
        self.hx711 = hx711
    }

    /// Lets the model convert at its own rate, at 0 N: nothing presses on a simulated plunger.
    mutating func advanceModel(to now: ControlInstant) {
        hx711?.advance(to: now, newtons: 0)
    }

    mutating func set(_ function: PinFunction, _ asserted: Bool) throws(GPIOLineError) {
        try kernel.set(function, asserted)
        if function == .hx711Clock, asserted { hx711?.clockRising() }
    }

    mutating func get(_ function: PinFunction) throws(GPIOLineError) -> Bool {
        let level = try kernel.get(function)
        if function == .hx711Data, let hx711 { return hx711.dataLine }
        return level
    }

    mutating func drainEdges(_ body: (EdgeEvent) -> Void) throws(GPIOLineError) {
        try kernel.drainEdges { event in
            lastEdge[event.function.rawValue] = event.at
            lastEdgeReceived[event.function.rawValue] = tickStartedAt
            body(event)
        }
    }

    mutating func hold(nanoseconds: Int64) {
        kernel.hold(nanoseconds: nanoseconds)
    }
}
