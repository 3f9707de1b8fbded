import InfusionCore
import PumpHardware

/// The reference board in software (hardware/README.md): a DRV8825 that steps the simulated
/// pump on each valid STEP edge, the encoder, switches and air sensor driven by the physics, an
/// HX711 reading the plunger force, and the indicator outputs, all behind ``GPIOLines``.
///
/// Lines are physical levels wired as the reference board is (``PinFunction/defaultWiring``);
/// the pin map's active levels turn them into logical ones, as the kernel does for libgpiod. A
/// map that disagrees with the wiring therefore misbehaves here as it would on the board.
///
/// Time is virtual: ``advance(to:)`` runs the physics up to the next tick, and ``hold(nanoseconds:)``
/// moves time on within a tick, so the driver's timing rules are checked to the nanosecond.
public struct SimulatedBoard: GPIOLines, Sendable {
    public var pump: SimulatedPump
    public let map: PinMap
    public private(set) var now: ControlInstant
    private var physical: [Bool]
    private var hx711: SimulatedHX711

    // The DRV8825's view of its inputs.
    private var stepRoseAt: ControlInstant
    private var stepFellAt: ControlInstant
    private var directionChangedAt: ControlInstant
    private var stepsPending: Int64 = 0
    /// STEP edges that broke the datasheet's timing (pulse too short, DIR not set up): the driver
    /// may miss such a step, so the model does.
    public private(set) var timingViolations = 0
    /// Rising STEP edges while the driver was disabled: it ignores them.
    public private(set) var stepsWhileDisabled: Int64 = 0
    /// Steps the driver took (signed), and when each forward one was taken, if recording.
    public private(set) var stepsTaken: Int64 = 0
    public var recordStepTimes = false
    public private(set) var stepTimes: [ControlInstant] = []

    // Inputs as last driven, and their edges not yet drained.
    private var encoderShown: Int64 = 0
    /// When each input last changed level, by ``PinFunction/rawValue``: when its condition became
    /// observable to the backend.
    public private(set) var lastChange: [ControlInstant?] = Array(repeating: nil, count: PinFunction.allCases.count)
    private var edges: [EdgeEvent] = []
    /// The patient presses (true) or releases the demand button.
    public var demandPressed = false
    /// Someone holds the front panel's STOP key, or presses SILENCE (a level, as the finger is).
    public var stopKeyPressed = false
    public var silenceKeyPressed = false
    /// Extra transitions a switch makes before it settles (contact bounce), 0.2 ms apart.
    public var bounces = 0

    public init(pump: SimulatedPump, map: PinMap, startingAt start: ControlInstant) {
        self.pump = pump
        self.map = map
        now = start
        physical = PinFunction.allCases.map { $0.defaultWiring.activeLow }
        hx711 = SimulatedHX711(calibration: map.forceSensor, startingAt: start)
        stepRoseAt = start - .seconds(1)
        stepFellAt = start - .seconds(1)
        directionChangedAt = start - .seconds(1)
        edges.reserveCapacity(4_096)
        for function in PinFunction.allCases where !function.isOutput {
            physical[function.rawValue] = truth(function) != function.defaultWiring.activeLow
        }
    }

    // MARK: - What the hardware does

    /// The DRV8825's outputs are on: nENBL is low.
    public var driverEnabled: Bool { !physical[PinFunction.enable.rawValue] }
    public var redLED: Bool { physical[PinFunction.redLED.rawValue] }
    public var yellowLED: Bool { physical[PinFunction.yellowLED.rawValue] }
    public var buzzer: Bool { physical[PinFunction.buzzer.rawValue] }
    /// The relay is energised while all is well; released, it calls.
    public var nurseCalled: Bool { !physical[PinFunction.nurseCall.rawValue] }
    public var conversionsReadOut: Int { hx711.readOut }

    // MARK: - GPIOLines

    public mutating func set(_ function: PinFunction, _ asserted: Bool) throws(GPIOLineError) {
        guard function.isOutput else { throw GPIOLineError(function: function, operation: .write, errno: 1) }
        let level = asserted != activeLow(function)
        let was = physical[function.rawValue]
        physical[function.rawValue] = level
        guard level != was else { return }
        switch function {
        case .step: level ? stepRising() : stepFalling()
        case .direction: directionChangedAt = now
        case .hx711Clock: if level { hx711.clockRising() }
        default: break
        }
    }

    public mutating func get(_ function: PinFunction) throws(GPIOLineError) -> Bool {
        if function == .hx711Data { physical[function.rawValue] = hx711.dataLine }
        return physical[function.rawValue] != activeLow(function)
    }

    public mutating func drainEdges(_ body: (EdgeEvent) -> Void) throws(GPIOLineError) {
        for event in edges { body(event) }
        edges.removeAll(keepingCapacity: true)
    }

    public mutating func hold(nanoseconds: Int64) {
        now = now + ControlDuration(nanoseconds: nanoseconds)
    }

    private func activeLow(_ function: PinFunction) -> Bool {
        map[function]?.wiring.activeLow ?? function.defaultWiring.activeLow
    }

    // MARK: - The stepper driver

    private mutating func stepRising() {
        defer { stepRoseAt = now }
        guard driverEnabled else { stepsWhileDisabled += 1; return }
        guard now - stepFellAt >= .init(nanoseconds: StepperTiming.datasheetLowNanoseconds),
            now - directionChangedAt >= .init(nanoseconds: StepperTiming.datasheetDirectionSetupNanoseconds)
        else {
            timingViolations += 1
            return
        }
        // DIR high is forward on the reference wiring.
        let forward = physical[PinFunction.direction.rawValue]
        stepsPending += forward ? 1 : -1
        stepsTaken += forward ? 1 : -1
        if recordStepTimes, forward { stepTimes.append(now) }
    }

    private mutating func stepFalling() {
        if now - stepRoseAt < .init(nanoseconds: StepperTiming.datasheetHighNanoseconds) { timingViolations += 1 }
        stepFellAt = now
    }

    // MARK: - Time

    /// Runs the physics from the last call to `instant` with the steps the driver took, then
    /// drives the inputs: encoder edges spread over the interval, switch changes at `instant`.
    public mutating func advance(to instant: ControlInstant) {
        let start = min(now, instant)
        let interval = instant - start
        // The steps already moved the rotor; the physics integrates them over the interval.
        let actuation = Actuation(
            motorEnabled: driverEnabled, steps: stepsPending, rate: .zero, volumeLimit: .zero, indicator: .quiet,
            state: .running)
        pump.apply(actuation, at: start, interval: interval)
        stepsPending = 0
        now = instant

        if map.encoderFitted {
            let target = pump.encoderCounts
            let count = abs(target - encoderShown)
            var index: Int64 = 0
            while encoderShown != target {
                index += 1
                let previous = QuadratureSequence.levels(at: encoderShown)
                encoderShown += target > encoderShown ? 1 : -1
                let next = QuadratureSequence.levels(at: encoderShown)
                let at = start + ControlDuration(nanoseconds: interval.nanoseconds * index / max(count, 1))
                if previous.a != next.a { drive(.encoderA, next.a, at: at) }
                if previous.b != next.b { drive(.encoderB, next.b, at: at) }
            }
        }
        for function in [PinFunction.clamp, .endOfTravel, .airInLine, .home, .demandButton, .stopKey, .silenceKey] where map[function] != nil {
            let level = truth(function) != function.defaultWiring.activeLow
            guard level != physical[function.rawValue] else { continue }
            for bounce in 0..<(bounces * 2) {
                // Bounce before settling: the contact flips and flips back.
                drive(function, bounce % 2 == 0 ? level : !level, at: instant - .init(nanoseconds: Int64(bounces * 2 - bounce) * 200_000))
            }
            drive(function, level, at: instant)
        }
        let force = pump.faults.forceSensorFailed ? Double.nan : pump.sample(at: instant).plungerForceNewtons
        hx711.advance(to: instant, newtons: force)
    }

    private mutating func drive(_ function: PinFunction, _ level: Bool, at instant: ControlInstant) {
        guard physical[function.rawValue] != level else { return }
        physical[function.rawValue] = level
        lastChange[function.rawValue] = instant
        // Kept oldest first, as the kernel delivers them: encoder edges spread over the interval
        // and a bouncing switch's edges can interleave.
        var index = edges.endIndex
        while index > edges.startIndex, edges[index - 1].at > instant { index -= 1 }
        edges.insert(EdgeEvent(function: function, asserted: level != activeLow(function), at: instant), at: index)
    }

    /// What a sensor's wire would say if it were wired and working: the physics' own state.
    private func truth(_ function: PinFunction) -> Bool {
        let sensed = pump.sample(at: now)
        switch function {
        case .clamp: return sensed.syringeClamped
        case .endOfTravel: return sensed.plungerAtEndOfTravel
        case .airInLine: return sensed.airInLine
        case .home: return pump.syringe != nil && pump.plungerSteps <= 0
        case .demandButton: return demandPressed
        case .stopKey: return stopKeyPressed
        case .silenceKey: return silenceKeyPressed
        default: return false
        }
    }
}
