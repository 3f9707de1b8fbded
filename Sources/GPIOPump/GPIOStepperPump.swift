import InfusionCore
import PumpHardware

/// A bare syringe driver on GPIO — stepper, switches, encoder, load cell, indicators — as the
/// control loop sees it: a ``PumpDevice`` over any ``GPIOLines``.
///
/// `sample` drains the inputs' edges (encoder, switches, button) and reads the HX711; `apply`
/// writes EN, emits the tick's steps and drives the indicators. Writes happen only on change, so
/// an idle period costs no line operations. A line operation that fails marks the lines
/// unhealthy (`pumpLinkHealthy` false: the tick raises `pump_link_lost` and stops) and EN is
/// released on every later period until the process ends.
public struct GPIOStepperPump<Lines: GPIOLines>: PumpDevice {
    /// The lines; the simulator reaches its board through this between periods.
    public var lines: Lines
    public let map: PinMap
    private var pulses: StepPulseGenerator
    public private(set) var forceSensor: HX711Reader
    private var inputs: GPIOInputs
    private var enableWritten: Bool?
    private var indicatorWritten: IndicatorOutputs?
    private var indicatorShown = AlarmIndicator.quiet
    private var indicatorSince: ControlInstant
    /// The first line operation that failed, if any.
    public private(set) var lineFault: GPIOLineError?

    /// Takes the lines over: EN released, indicators off, inputs read for their present levels.
    public init(lines: Lines, map: PinMap, at now: ControlInstant) throws(GPIOLineError) {
        self.lines = lines
        self.map = map
        pulses = StepPulseGenerator(timing: map.stepper)
        forceSensor = HX711Reader(calibration: map.forceSensor)
        indicatorSince = now
        try self.lines.set(.enable, false)
        enableWritten = false
        try self.lines.set(.step, false)
        try self.lines.set(.hx711Clock, false)
        inputs = try GPIOInputs(lines: &self.lines, map: map, at: now)
        try writeIndicators(IndicatorOutputs())
    }

    public var motorSteps: Int64 { pulses.emitted }
    public var encoderCounts: Int64? { inputs.encoder?.count }
    public var missedEncoderEdges: Int64 { inputs.encoder?.missedEdges ?? 0 }
    public var atHome: Bool? { inputs.home?.level }
    /// Presses of the patient-demand button since start; the daemon turns each into a request.
    public var demandPresses: Int64 { inputs.demandPresses }
    public var enableAsserted: Bool { enableWritten == true }

    public mutating func sample(at now: ControlInstant) -> SensorSnapshot {
        if lineFault == nil {
            do throws(GPIOLineError) {
                try lines.drainEdges { inputs.route($0) }
                try forceSensor.poll(&lines, at: now)
            } catch {
                lineFault = error
            }
        }
        inputs.settle(at: now)
        return SensorSnapshot(
            plungerForceNewtons: forceSensor.newtons(at: now),
            airInLine: inputs.air.level,
            syringeClamped: inputs.clamp.level,
            plungerAtEndOfTravel: inputs.endOfTravel.level,
            motorSteps: pulses.emitted,
            encoderCounts: inputs.encoder?.count,
            pumpLinkHealthy: lineFault == nil,
            stopKeyHeld: inputs.stop?.level ?? false,
            silenceKeyPresses: inputs.silencePresses)
    }

    public mutating func apply(_ actuation: Actuation, at now: ControlInstant, interval: ControlDuration) {
        guard lineFault == nil else {
            // Whatever failed, the motor must not run: keep trying to release EN.
            try? lines.set(.enable, false)
            enableWritten = false
            return
        }
        do throws(GPIOLineError) {
            let enable = actuation.motorEnabled
            if enableWritten != enable {
                enableWritten = nil
                try lines.set(.enable, enable)
                enableWritten = enable
            }
            if enable { try pulses.emit(actuation.steps, on: &lines) }
            if actuation.indicator != indicatorShown {
                indicatorShown = actuation.indicator
                indicatorSince = now
            }
            try writeIndicators(IndicatorPattern.outputs(for: indicatorShown, phase: now - indicatorSince))
        } catch {
            lineFault = error
            try? lines.set(.enable, false)
            enableWritten = false
        }
    }

    private mutating func writeIndicators(_ outputs: IndicatorOutputs) throws(GPIOLineError) {
        let previous = indicatorWritten
        indicatorWritten = nil
        if previous?.red != outputs.red { try lines.set(.redLED, outputs.red) }
        if previous?.yellow != outputs.yellow { try lines.set(.yellowLED, outputs.yellow) }
        if previous?.buzzer != outputs.buzzer { try lines.set(.buzzer, outputs.buzzer) }
        if previous?.nurseCall != outputs.nurseCall { try lines.set(.nurseCall, outputs.nurseCall) }
        indicatorWritten = outputs
    }
}
