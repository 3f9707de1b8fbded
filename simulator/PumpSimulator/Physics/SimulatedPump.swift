import Foundation
import InfusionCore
import PumpHardware

/// A physical syringe pump in software: stepper, lead screw, syringe, line, sensors.
///
/// It implements ``PumpDevice``, the same seam the GPIO and serial backends implement, and
/// publishes the same ``SensorSnapshot``: the controller cannot tell it from hardware.
public struct SimulatedPump: PumpDevice, Sendable {
    public let mechanics: PumpMechanics
    public let imperfections: SimulatorMechanics
    public var faults = SimulatedFaults()
    /// The front panel: the STOP key held, and presses of SILENCE so far.
    public var stopKeyHeld = false
    public var silenceKeyPresses: Int64 = 0
    public var line: LineModel

    /// The syringe in the clamp, if any.
    public private(set) var syringe: SyringeSpec?
    /// The loaded syringe's geometry as plain numbers, so the per-tick physics copies no strings.
    private var geometry: (stepsPerMillilitre: Double, millilitresPerMillimetre: Double, areaSquareMillimetres: Double)?
    /// Fluid actually in the barrel (which can differ from what the technician declared).
    public private(set) var fluidInBarrel: Double = 0
    /// Pulses the driver has emitted (signed).
    public private(set) var motorSteps: Int64 = 0
    /// Nominal plunger travel in steps since the syringe was loaded.
    public private(set) var plungerSteps: Double = 0
    /// Volume displaced at `plungerSteps`, kept so each tick evaluates the drive model once.
    private var displacedAtPlunger: Double = 0
    /// Encoder reading, counts.
    public private(set) var encoderCounts: Int64 = 0
    private var encoderFraction: Double = 0
    /// Air bubbles between the syringe and the sensor, mL still to pass it.
    public private(set) var bubbleRemaining: Double = 0
    /// Highest line pressure seen, mmHg.
    public private(set) var peakPressure: Double = 0
    /// Forward steps emitted while the enable line was released (must stay 0).
    public private(set) var stepsWhileDisabled: Int64 = 0
    /// Volume the plunger has pushed out of the barrel, and drawn back into it, since start (mL):
    /// the physical truth the runner's judge weighs the ledger and the caps against.
    public private(set) var displacedForward: Double = 0
    public private(set) var displacedBackward: Double = 0

    /// The end-of-travel switch closes within half a microlitre of the barrel's end.
    static let endOfTravelMargin = 0.000_5

    public init(mechanics: PumpMechanics = .reference, imperfections: SimulatorMechanics = SimulatorMechanics(), line: LineModel = LineModel()) {
        self.mechanics = mechanics
        self.imperfections = imperfections
        self.line = line
    }

    /// Puts a syringe holding `fluid` mL in the clamp.
    public mutating func load(_ spec: SyringeSpec, fluid: Millilitres) {
        syringe = spec
        geometry = (mechanics.stepsPerMillilitre(for: spec), spec.millilitresPerMillimetre, spec.plungerAreaSquareMillimetres)
        fluidInBarrel = fluid.value
        plungerSteps = 0
        displacedAtPlunger = 0
        faults.syringeDisengaged = false
    }

    public mutating func unload() {
        syringe = nil
        geometry = nil
        fluidInBarrel = 0
    }

    /// Leaves only `volume` in the barrel (a syringe filled short of what was declared), so it runs
    /// empty sooner than the controller expects.
    public mutating func leaveFluid(_ volume: Millilitres) {
        fluidInBarrel = min(fluidInBarrel, max(0, volume.value))
    }

    /// Adds a bubble of `volume` in front of the air sensor.
    public mutating func injectAir(_ volume: Millilitres) {
        bubbleRemaining += volume.value
    }

    public var deliveredToPatient: Millilitres { Millilitres(line.deliveredToPatient) }

    public func sample(at now: ControlInstant) -> SensorSnapshot {
        let force: Double
        if let geometry, !faults.syringeDisengaged {
            // 1 N/mm² = 7 500.617 mmHg; the load cell reads the line pressure on the plunger face.
            force = line.pressure / 7_500.617 * geometry.areaSquareMillimetres
        } else {
            force = 0
        }
        return SensorSnapshot(
            plungerForceNewtons: faults.forceSensorFailed ? .nan : force,
            airInLine: bubbleRemaining > 0,
            syringeClamped: geometry != nil && !faults.syringeDisengaged,
            plungerAtEndOfTravel: geometry != nil && fluidInBarrel <= Self.endOfTravelMargin,
            motorSteps: motorSteps,
            encoderCounts: encoderCounts,
            pumpLinkHealthy: !faults.pumpLinkLost,
            journalHealthy: !faults.journalFailed,
            loopOverran: faults.loopOverran,
            journalLost: faults.journalLost,
            stopKeyHeld: stopKeyHeld,
            silenceKeyPresses: silenceKeyPresses)
    }

    public mutating func apply(_ actuation: Actuation, at now: ControlInstant, interval: ControlDuration) {
        var pulses = actuation.steps
        if !actuation.motorEnabled {
            if pulses > 0 { stepsWhileDisabled += pulses }
            pulses = 0
        }
        motorSteps += pulses
        var travelSteps = faults.motorStalled ? 0.0 : Double(pulses)
        let hours = Double(interval.nanoseconds) / 3.6e12
        // A runaway driver steps by itself while it is enabled; releasing EN (the safety monitor's
        // answer, DESIGN.md rule 1) de-energises it and the plunger stops.
        if let geometry, faults.runawayRate.value > 0, actuation.motorEnabled {
            travelSteps += faults.runawayRate.value * hours * geometry.stepsPerMillilitre
        }
        var displaced = 0.0
        if let geometry, !faults.syringeDisengaged, travelSteps != 0 {
            // The plunger stops at the end of the barrel, whatever the motor does.
            let maximumForward = fluidInBarrel * geometry.stepsPerMillilitre
            if travelSteps > maximumForward { travelSteps = max(0, maximumForward) }
            plungerSteps += travelSteps
            let after = displacedVolume(at: plungerSteps, millilitresPerMillimetre: geometry.millilitresPerMillimetre)
            displaced = after - displacedAtPlunger
            displacedAtPlunger = after
            fluidInBarrel -= displaced
            if displaced > 0 { displacedForward += displaced } else { displacedBackward -= displaced }
        }
        if !faults.encoderFailed {
            encoderFraction += travelSteps * mechanics.encoderCountsPerStep
            let whole = encoderFraction.rounded(.towardZero)
            encoderCounts += Int64(whole)
            encoderFraction -= whole
        }
        if displaced > 0, bubbleRemaining > 0 { bubbleRemaining = max(0, bubbleRemaining - displaced) }
        line.advance(displaced: displaced, hours: hours)
        peakPressure = max(peakPressure, line.pressure)
    }

    /// Volume pushed out by `steps` of nominal travel, with the drive's imperfections.
    private func displacedVolume(at steps: Double, millilitresPerMillimetre: Double) -> Double {
        let nominalMillimetres = steps / mechanics.stepsPerMillimetre
        let wobble = imperfections.leadScrewWobbleMillimetres
            * sin(2 * Double.pi * nominalMillimetres / mechanics.leadScrewMillimetresPerRevolution)
        let bore = 1 + imperfections.boreErrorFraction
        return (nominalMillimetres + wobble) * millilitresPerMillimetre * bore * bore
    }
}
