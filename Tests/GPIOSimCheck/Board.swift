import PumpHardware

/// The reference board's signals on the simulated chip, in the pin map's logical terms: a test
/// says "open the clamp", the board works out which pull that is from the map's wiring.
struct Board: Sendable {
    let map: PinMap
    let chip: SimulatedChip

    func offset(_ function: PinFunction) -> Int { map[function]!.address.offset }
    private func activeLow(_ function: PinFunction) -> Bool { map[function]!.wiring.activeLow }

    /// The signal's logical level: for EN, true is "driver enabled".
    func asserted(_ function: PinFunction) -> Bool { chip.value(offset(function)) != activeLow(function) }

    /// Holds an input at a logical level, as a contact or a sensor would.
    func drive(_ function: PinFunction, asserted: Bool) {
        chip.setPull(offset(function), high: asserted != activeLow(function))
    }

    /// Everything as on a ready pump: the board's 4.7 kΩ pull-up on EN, the syringe clamped, the
    /// plunger away from both ends, liquid at the air sensor, the button and the keys up. The encoder is left
    /// at the pull-ups the backend requested (A and B high).
    func idle(hx711DataHigh: Bool) {
        chip.setPull(offset(.enable), high: true)
        drive(.clamp, asserted: true)
        drive(.endOfTravel, asserted: false)
        drive(.airInLine, asserted: false)
        if map[.home] != nil { drive(.home, asserted: false) }
        if map[.demandButton] != nil { drive(.demandButton, asserted: false) }
        if map[.stopKey] != nil { drive(.stopKey, asserted: false) }
        if map[.silenceKey] != nil { drive(.silenceKey, asserted: false) }
        chip.setPull(offset(.hx711Data), high: hx711DataHigh)
    }
}
