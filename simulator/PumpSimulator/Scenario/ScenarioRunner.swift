import Foundation
import InfusionCore

/// Runs a scenario in virtual time, in lockstep: at every tick the simulator samples its sensors,
/// calls the controller's `tick` — the same function the daemon calls — and applies the result to
/// its physics. Nothing sleeps; a 100-hour infusion takes seconds.
public struct ScenarioRunner: Sendable {
    public let library: DrugLibrary
    public let imperfections: SimulatorMechanics
    /// Trace resolution: IEC 60601-2-24 samples delivery every 30 s.
    public static let samplePeriod = ControlDuration.seconds(30)

    public init(library: DrugLibrary, imperfections: SimulatorMechanics = SimulatorMechanics()) {
        self.library = library
        self.imperfections = imperfections
    }

    /// Runs `scenario`, optionally with a different tick (for the lockstep determinism check).
    public func run(_ scenario: Scenario, tick tickOverride: ControlDuration? = nil) -> ScenarioResult {
        let tick = tickOverride ?? scenario.tick
        var run = Run(scenario: scenario, library: library, imperfections: imperfections, tick: tick)
        let started = ContinuousClock.now
        run.execute()
        let elapsed = ContinuousClock.now - started
        run.result.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        ScenarioChecker.check(scenario, &run.result)
        return run.result
    }
}

/// The state of one run; kept apart from ``ScenarioRunner`` so the runner itself stays a value.
struct Run {
    let scenario: Scenario
    let validator: ProgramValidator
    let settings: ControllerSettings
    let tick: ControlDuration
    var pump: SimulatedPump
    var controller: InfusionController
    var result: ScenarioResult
    var highAlarmLatch = HighAlarmLatch()
    /// When the last `restart` fault was applied.
    var restartedAt: ControlInstant?

    init(scenario: Scenario, library: DrugLibrary, imperfections: SimulatorMechanics, tick: ControlDuration) {
        self.scenario = scenario
        self.tick = tick
        settings = ControllerSettings(encoderFitted: scenario.encoderFitted)
        validator = ProgramValidator(library: library, mechanics: settings.mechanics)
        pump = SimulatedPump(mechanics: settings.mechanics, imperfections: imperfections, line: scenario.line)
        controller = InfusionController(settings: settings)
        result = ScenarioResult(scenario: scenario.name, tick: tick, simulated: scenario.runFor)
    }

    mutating func execute() {
        setUp()
        var now = ControlInstant.origin
        let end = ControlInstant.origin + scenario.runFor
        var nextEvent = 0
        var nextSample = ControlInstant.origin
        var raisedCount = controller.alarms.raisedCount
        var peakSinceSample = 0.0
        while now <= end {
            while nextEvent < scenario.events.count, ControlInstant.origin + scenario.events[nextEvent].at <= now {
                apply(scenario.events[nextEvent], at: now)
                nextEvent += 1
            }
            let sensors = pump.sample(at: now)
            // The tick that finishes priming still moves the plunger for it.
            let wasPriming = controller.state == .priming
            let actuation = controller.tick(now: now, sensors: sensors)
            if actuation.steps > 0 {
                result.commandedSteps += actuation.steps
                if controller.alarms.anyStoppingActive { result.forwardStepsDuringStoppingAlarm += actuation.steps }
                // Priming fills a line not yet on the patient, with no program: not delivery, and
                // not counted in the ledger (PRIME-001), so no cap applies to it.
                if !wasPriming && controller.state != .priming {
                    if highAlarmLatch.holdsDelivery { result.forwardStepsAfterHighAlarmBeforeRestart += actuation.steps }
                    checkCaps(at: now)
                }
            }
            // A restart replaces the controller, whose count starts again: look afresh.
            if controller.alarms.raisedCount != raisedCount || restartedAt == now {
                raisedCount = controller.alarms.raisedCount
                logRaisedAlarms(at: now)
                if controller.alarms.highestActive?.priority == .high { highAlarmLatch.raised() }
            }
            pump.apply(actuation, at: now, interval: tick)
            // The trace holds the highest pressure of each interval, so a short peak is not lost.
            peakSinceSample = max(peakSinceSample, pump.line.pressure)
            if now >= nextSample {
                result.samples.append(
                    .init(at: now - .origin, deliveredToPatient: pump.line.deliveredToPatient, pressure: peakSinceSample, state: controller.state))
                nextSample = nextSample + ScenarioRunner.samplePeriod
                peakSinceSample = 0
            }
            now = now + tick
        }
        result.finalState = controller.state
        result.maximumStepError = controller.worstBasalStepError
        result.deliveredToPatient = pump.deliveredToPatient
        result.ledgerDrug = controller.ledger.lifetimeTotal.milligrams
        result.peakPressure = pump.peakPressure
        result.stepsWhileDisabled = pump.stepsWhileDisabled
        result.concentration = scenario.program?.concentration
    }

    /// Loads the first syringe at time zero and, unless the scenario says `start = false`,
    /// programs and starts as a technician would.
    private mutating func setUp() {
        pump.load(scenario.syringe, fluid: scenario.actualFill ?? scenario.fill)
        record(.loadSyringe(scenario.syringe, fill: scenario.fill), label: "set-up", expect: .accepted, at: .origin)
        if scenario.autoStart, programCommand(label: "set-up", expect: .accepted, at: .origin) {
            record(.start, label: "set-up", expect: .accepted, at: .origin)
        }
    }

    /// DESIGN.md rule 1: no window and no program total past its cap, after any forward step.
    private mutating func checkCaps(at now: ControlInstant) {
        guard let caps = controller.capsInForce else {
            result.capViolations.append("forward steps at \(now) with no program caps in force")
            return
        }
        for window in DoseWindow.allCases {
            let delivered = controller.ledger.delivered(in: window).milligrams
            if delivered > caps.cap(for: window) {
                result.capViolations.append("\(delivered) over \(window) exceeds the cap \(caps.cap(for: window)) at \(now)")
            }
        }
        if controller.ledger.programTotal.milligrams > caps.perProgram {
            result.capViolations.append("program total \(controller.ledger.programTotal) exceeds \(caps.perProgram) at \(now)")
        }
    }

    private mutating func logRaisedAlarms(at now: ControlInstant) {
        for id in AlarmID.allCases {
            let record = controller.alarms.record(id)
            if record.isActive, record.raisedAt == now, !result.alarms.contains(where: { $0.id == id && $0.at == now - .origin }) {
                result.alarms.append(.init(id: id, at: now - .origin))
            }
        }
    }

    private mutating func apply(_ event: ScenarioEvent, at now: ControlInstant) {
        switch event.action {
        case .command(let command):
            switch command {
            case .program: _ = programCommand(label: event.label, expect: event.expect, at: now)
            case .loadSyringe(let spec, let fill):
                if record(.loadSyringe(spec, fill: fill), label: event.label, expect: event.expect, at: now) {
                    pump.load(spec, fluid: fill)
                }
            case .unloadSyringe:
                if record(.unloadSyringe, label: event.label, expect: event.expect, at: now) { pump.unload() }
            case .start:
                if record(.start, label: event.label, expect: event.expect, at: now) { highAlarmLatch.restarted() }
            case .resume:
                if record(.resume, label: event.label, expect: event.expect, at: now) { highAlarmLatch.restarted() }
            case .pause: record(.pause, label: event.label, expect: event.expect, at: now)
            case .stop: record(.stop, label: event.label, expect: event.expect, at: now)
            case .silence: record(.silence, label: event.label, expect: event.expect, at: now)
            case .reset:
                if record(.reset, label: event.label, expect: event.expect, at: now) { highAlarmLatch.reset() }
            case .bolus(let dose, let confirm):
                record(.bolus(dose, confirmSoftLimits: confirm), label: event.label, expect: event.expect, at: now)
            case .acknowledge(let id): record(.acknowledge(id), label: event.label, expect: event.expect, at: now)
            case .prime(let volume): record(.prime(volume), label: event.label, expect: event.expect, at: now)
            }
        case .fault(let fault):
            apply(fault, at: now)
        }
    }

    private mutating func apply(_ fault: ScenarioFault, at now: ControlInstant) {
        switch fault {
        case .occlusion: pump.line.occluded = true
        case .clearOcclusion:
            if pump.line.occluded {
                let stored = Millilitres(max(0, pump.line.storedVolume))
                result.postOcclusionBolus = max(result.postOcclusionBolus ?? .zero, stored)
            }
            pump.line.occluded = false
        case .air(let volume): pump.injectAir(volume)
        case .stall: pump.faults.motorStalled = true
        case .clearStall: pump.faults.motorStalled = false
        case .runaway(let rate): pump.faults.runawayRate = rate
        case .clearRunaway: pump.faults.runawayRate = .zero
        case .encoderFailure: pump.faults.encoderFailed = true
        case .forceSensorFailure: pump.faults.forceSensorFailed = true
        case .disengage: pump.faults.syringeDisengaged = true
        case .engage: pump.faults.syringeDisengaged = false
        case .linkLost: pump.faults.pumpLinkLost = true
        case .linkRestored: pump.faults.pumpLinkLost = false
        case .journalFailure: pump.faults.journalFailed = true
        case .journalRestored: pump.faults.journalFailed = false
        case .loopOverrun: pump.faults.loopOverran = true
        case .loopRecovered: pump.faults.loopOverran = false
        case .restart:
            let worst = controller.worstBasalStepError
            controller = InfusionController(restoring: controller.persistentState, settings: settings, at: now)
            controller.carryWorstStepError(worst)
            restartedAt = now
        }
        result.commands.append(.init(at: now - .origin, command: "fault: \(fault)", accepted: true, detail: ""))
    }

    /// Validates the scenario's program and sends it; returns whether it was accepted.
    private mutating func programCommand(label: String, expect: ScenarioEvent.ExpectedOutcome?, at now: ControlInstant) -> Bool {
        guard let request = scenario.program else { return false }
        switch controller.validate(request, with: validator) {
        case .accepted(let plan):
            return record(.program(plan), label: label, expect: expect, at: now)
        case .needsConfirmation(let findings):
            let refusal = CommandRefusal(.needsConfirmation(findings), command: "program")
            log(label: label, command: "program", accepted: false, detail: refusal.description, expect: expect, at: now)
        case .refused(let findings):
            let refusal = CommandRefusal(.limit(findings), command: "program")
            log(label: label, command: "program", accepted: false, detail: refusal.description, expect: expect, at: now)
        }
        return false
    }

    @discardableResult
    private mutating func record(
        _ command: TechnicianCommand, label: String, expect: ScenarioEvent.ExpectedOutcome?, at now: ControlInstant
    ) -> Bool {
        let alarmWasActive = controller.alarms.anyActive
        switch controller.handle(command, at: now) {
        case .success:
            if case .bolus = command, alarmWasActive {
                result.failures.append("\(label): a bolus was accepted while an alarm was active (DESIGN.md rule 6)")
            }
            log(label: label, command: command.description, accepted: true, detail: "", expect: expect, at: now)
            return true
        case .failure(let refusal):
            log(label: label, command: command.description, accepted: false, detail: refusal.description, expect: expect, at: now)
            return false
        }
    }

    private mutating func log(
        label: String, command: String, accepted: Bool, detail: String, expect: ScenarioEvent.ExpectedOutcome?,
        at now: ControlInstant
    ) {
        result.commands.append(.init(at: now - .origin, command: command, accepted: accepted, detail: detail))
        if let expect, (expect == .accepted) != accepted {
            let outcome = accepted ? "accepted" : "refused (\(detail))"
            result.failures.append("\(label): expected \(command) to be \(expect.rawValue), but it was \(outcome)")
        }
    }
}
