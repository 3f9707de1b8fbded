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
    var judge: PhysicalJudge
    /// When the last `restart` fault was applied.
    var restartedAt: ControlInstant?
    /// The patient's true vital signs, and the oximeter on the finger where the scenario has one
    /// (issue 17): a line a second, read as the daemon's reader reads it.
    var patientVitals = PerSign<Double>()
    var oximeter: SimulatedOximeter?
    var oximeterReport = OximeterReport()
    var oximeterSecond: Int64 = -1
    var vitalsJudge: VitalsJudge?
    /// The patient whose signs follow the drug, and the volume that had reached them last tick.
    var ketamine: KetaminePatient?
    var reachedPatient = 0.0

    init(scenario: Scenario, library given: DrugLibrary, imperfections: SimulatorMechanics, tick: ControlDuration) {
        let library = ClinicPolicy.library(given, requiringCharted: scenario.requireCharted)
        self.scenario = scenario
        self.tick = tick
        settings = ControllerSettings(encoderFitted: scenario.encoderFitted)
        validator = ProgramValidator(library: library, mechanics: settings.mechanics)
        pump = SimulatedPump(mechanics: settings.mechanics, imperfections: imperfections, line: scenario.line)
        controller = InfusionController(settings: settings)
        result = ScenarioResult(scenario: scenario.name, tick: tick, simulated: scenario.runFor)
        let caps = scenario.program.flatMap { library.drug(named: $0.drug)?.caps }
            ?? CumulativeCaps(perHour: .zero, perFourHours: .zero, perTwentyFourHours: .zero, perProgram: .zero)
        judge = PhysicalJudge(scenario: scenario, caps: caps, imperfections: imperfections, mechanics: settings.mechanics)
        let vitalsEvents = scenario.events.contains {
            switch $0.action {
            case .fault(.vitals), .fault(.vitalsLost), .fault(.vitalsRestored): true
            default: false
            }
        }
        if scenario.vitals != nil || vitalsEvents {
            var fitted = SimulatedOximeter()
            patientVitals = scenario.vitals ?? PerSign<Double>()
            if let spo2 = patientVitals[.spo2] { fitted.spo2 = Int(spo2.rounded()) }
            if let rate = patientVitals[.heartRate] { fitted.pulseRate = Int(rate.rounded()) }
            // The judge knows the oximeter's own values from here on.
            patientVitals[.spo2] = Double(fitted.spo2)
            patientVitals[.heartRate] = Double(fitted.pulseRate)
            oximeter = fitted
            if let response = scenario.ketamineResponse, let weight = scenario.program?.weight {
                ketamine = KetaminePatient(
                    weightKilograms: weight.value, resting: patientVitals, sensitivity: response.sensitivity, sedation: response.sedation)
            }
            if let rules = scenario.program.flatMap({ library.drug(named: $0.drug)?.vitals }) { vitalsJudge = VitalsJudge(rules: rules) }
        }
    }

    /// The oximeter's report this tick: a new line each whole second of control time.
    mutating func sampleOximeter(at now: ControlInstant) -> OximeterReport? {
        guard let oximeter else { return nil }
        let second = now.nanoseconds / 1_000_000_000
        if second != oximeterSecond {
            oximeterSecond = second
            oximeterReport = oximeter.report(second: second, at: now, previous: oximeterReport)
        }
        return oximeterReport
    }

    /// The tick whose steps the planner clamped to the caps' last headroom takes those steps and
    /// raises `dose_limit_reached` (DESIGN.md rule 1: clamp, then stop). Those steps are inside
    /// the caps, which `checkCaps` judges on the same tick; any other stopping alarm, or the cap's
    /// alarm already active before the tick, makes a forward step a failure.
    static func isClampToCap(_ alarms: AlarmSystem, capReachedBefore: Bool) -> Bool {
        !capReachedBefore && alarms.active.filter(\.stopsDelivery) == [.doseLimitReached]
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
            var sensors = pump.sample(at: now)
            sensors.oximeter = sampleOximeter(at: now)
            // The tick that finishes priming still moves the plunger for it.
            let wasPriming = controller.state == .priming
            let capReachedBefore = controller.alarms.isActive(.doseLimitReached)
            let criticalBefore = controller.alarms.isActive(.vitalsCritical)
            let actuation = controller.tick(now: now, sensors: sensors)
            if vitalsJudge != nil {
                vitalsJudge!.observe(
                    truth: patientVitals, oximeterSilent: oximeter?.silent ?? true, forwardSteps: max(0, actuation.steps),
                    criticalRaised: !criticalBefore && controller.alarms.isActive(.vitalsCritical), tick: tick, at: now)
            }
            if actuation.steps > 0 {
                result.commandedSteps += actuation.steps
                if controller.alarms.anyStoppingActive, !Self.isClampToCap(controller.alarms, capReachedBefore: capReachedBefore) {
                    result.forwardStepsDuringStoppingAlarm += actuation.steps
                }
                // Priming fills a line not yet on the patient, with no program: not delivery, and
                // not counted in the ledger (PRIME-001), so no cap applies to it.
                if !wasPriming && controller.state != .priming {
                    if highAlarmLatch.holdsDelivery { result.forwardStepsAfterHighAlarmBeforeRestart += actuation.steps }
                    checkCaps(at: now)
                }
            }
            // A restart replaces the controller, whose count starts again: look afresh.
            let alarmRaised = controller.alarms.raisedCount != raisedCount
            judge.check(
                ledger: controller.ledger.lifetimeTotal, audioPausedUntil: controller.alarms.audioPausedUntil,
                activeAlarms: controller.alarms.activeMask, indicator: actuation.indicator, alarmRaised: alarmRaised && restartedAt != now,
                at: now)
            if alarmRaised || restartedAt == now {
                raisedCount = controller.alarms.raisedCount
                logRaisedAlarms(at: now)
                if controller.alarms.highestActive?.priority == .high { highAlarmLatch.raised() }
            }
            pump.apply(actuation, at: now, interval: tick)
            if ketamine != nil { followTheDrug() }
            notePatientExtremes()
            judge.observe(
                displacedForward: pump.displacedForward, displacedBackward: pump.displacedBackward, outflow: pump.line.deliveredToPatient,
                at: now)
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
        result.finalAudioPaused = controller.alarms.audioPausedUntil.map { now < $0 } ?? false
        result.maximumStepError = controller.worstBasalStepError
        result.deliveredToPatient = Millilitres(judge.deliveredToPatient)
        result.ledgerDrug = controller.ledger.lifetimeTotal.milligrams
        result.peakPressure = pump.peakPressure
        result.stepsWhileDisabled = pump.stepsWhileDisabled
        result.concentration = scenario.program?.concentration
        result.physicalViolations = judge.violations
        result.physicalViolationCount = judge.violationCount
        if let vitals = vitalsJudge, let first = vitals.violations.first {
            result.failures.append("the vital-signs interlock failed the patient \(vitals.violations.count) times; first: \(first)")
        }
    }

    /// The drug that reached the patient this tick moves the ketamine patient's signs; the
    /// oximeter and the judge see them as whole numbers, as the device shows them.
    private mutating func followTheDrug() {
        let reached = pump.line.deliveredToPatient
        let milligrams = (reached - reachedPatient) * (scenario.program?.concentration.value ?? 0)
        reachedPatient = reached
        ketamine!.model.advance(milligrams: milligrams, seconds: tick.seconds.value)
        for sign in VitalSign.every { patientVitals[sign] = ketamine!.vitals[sign].map { $0.rounded() } }
        if let spo2 = patientVitals[.spo2] { oximeter?.spo2 = Int(spo2) }
        if let rate = patientVitals[.heartRate] { oximeter?.pulseRate = Int(rate) }
        result.peakPlasma = max(result.peakPlasma ?? 0, ketamine!.model.plasmaNanogramsPerMillilitre)
        result.peakEffectSite = max(result.peakEffectSite ?? 0, ketamine!.model.effectSiteNanogramsPerMillilitre)
    }

    private mutating func notePatientExtremes() {
        for sign in VitalSign.every {
            guard let value = patientVitals[sign] else { continue }
            result.patientPeak[sign] = max(result.patientPeak[sign] ?? value, value)
            result.patientTrough[sign] = min(result.patientTrough[sign] ?? value, value)
        }
    }

    /// Loads the first syringe at time zero and, unless the scenario says `start = false`,
    /// programs and starts as a technician would.
    private mutating func setUp() {
        pump.load(scenario.syringe, fluid: scenario.actualFill ?? scenario.fill)
        record(.loadSyringe(scenario.syringe, fill: scenario.fill), label: "set-up", expect: .accepted, at: .origin)
        if scenario.autoStart, programCommand(weight: nil, label: "set-up", expect: .accepted, at: .origin),
            record(.start, label: "set-up", expect: .accepted, at: .origin)
        {
            judge.connected(ledger: controller.ledger.lifetimeTotal)
            if controller.state == .bolus { judge.loadingBolusBegan(at: .origin) }
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
            case .program(let weight): _ = programCommand(weight: weight, label: event.label, expect: event.expect, at: now)
            case .loadSyringe(let spec, let fill):
                if record(.loadSyringe(spec, fill: fill), label: event.label, expect: event.expect, at: now) {
                    pump.load(spec, fluid: fill)
                    judge.loaded(spec)
                }
            case .unloadSyringe:
                if record(.unloadSyringe, label: event.label, expect: event.expect, at: now) {
                    pump.unload()
                    judge.disconnected()
                }
            case .start:
                if record(.start, label: event.label, expect: event.expect, at: now) {
                    highAlarmLatch.restarted()
                    judge.connected(ledger: controller.ledger.lifetimeTotal)
                    if controller.state == .bolus { judge.loadingBolusBegan(at: now) }
                }
            case .resume:
                if record(.resume, label: event.label, expect: event.expect, at: now) {
                    highAlarmLatch.restarted()
                    judge.connected(ledger: controller.ledger.lifetimeTotal)
                }
            case .pause: record(.pause, label: event.label, expect: event.expect, at: now)
            case .stop:
                if record(.stop, label: event.label, expect: event.expect, at: now), controller.program == nil { judge.programEnded() }
            case .newPatient(let weight, let id):
                if record(.newPatient(weight: weight, id: id), label: event.label, expect: event.expect, at: now) {
                    judge.newPatient(weight: weight, id: id)
                }
            case .silence: record(.silence, label: event.label, expect: event.expect, at: now)
            case .reset:
                if record(.reset, label: event.label, expect: event.expect, at: now) { highAlarmLatch.reset() }
            case .bolus(let dose, let confirm):
                if record(.bolus(dose, confirmSoftLimits: confirm), label: event.label, expect: event.expect, at: now),
                    let weight = controller.program?.plan.weight
                {
                    judge.bolusAccepted(dose * weight)
                }
            case .acknowledge(let id): record(.acknowledge(id), label: event.label, expect: event.expect, at: now)
            case .prime(let volume, let disconnected): record(.prime(volume, lineDisconnected: disconnected), label: event.label, expect: event.expect, at: now)
            case .chart(let typed):
                // As typed, or the patient's own pressure and breathing, as a nurse measures them.
                var readings = VitalReadings()
                for sign in VitalSign.allCases {
                    let value = typed.map { $0[sign] } ?? ([.systolic, .diastolic, .respiratoryRate].contains(sign) ? patientVitals[sign] : nil)
                    if let value { readings[sign] = VitalReading(value: value, measuredAt: now) }
                }
                vitalsJudge?.charted(at: now)
                record(.chart(readings), label: event.label, expect: event.expect, at: now)
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
        case .journalLost: pump.faults.journalLost = true
        case .journalAccepted: pump.faults.journalLost = false
        case .stopKey: pump.stopKeyHeld = true
        case .stopKeyReleased: pump.stopKeyHeld = false
        case .silenceKey: pump.silenceKeyPresses += 1
        case .loopOverrun: pump.faults.loopOverran = true
        case .loopRecovered: pump.faults.loopOverran = false
        case .restart:
            let worst = controller.worstBasalStepError
            controller = InfusionController(restoring: controller.persistentState, settings: settings, at: now)
            controller.carryWorstStepError(worst)
            restartedAt = now
        case .vitals(let values) where ketamine != nil:
            // The patient's own change: the drug's effect stays on top of it.
            for sign in VitalSign.allCases { if let value = values[sign] { ketamine!.resting[sign] = value } }
        case .vitals(let values):
            for sign in VitalSign.allCases { if let value = values[sign] { patientVitals[sign] = value } }
            if oximeter != nil {
                if let spo2 = values[.spo2] { oximeter!.spo2 = Int(spo2.rounded()) }
                if let rate = values[.heartRate] { oximeter!.pulseRate = Int(rate.rounded()) }
            }
        case .vitalsLost: oximeter?.silent = true
        case .vitalsRestored: oximeter?.silent = false
        }
        result.commands.append(.init(at: now - .origin, command: "fault: \(fault)", accepted: true, detail: ""))
    }

    /// Validates the scenario's program (for a patient of `weight`, when given) and sends it;
    /// returns whether it was accepted.
    private mutating func programCommand(
        weight: Kilograms?, label: String, expect: ScenarioEvent.ExpectedOutcome?, at now: ControlInstant
    ) -> Bool {
        guard var request = scenario.program else { return false }
        if let weight { request.weight = weight }
        switch controller.validate(request, with: validator) {
        case .accepted(let plan):
            guard record(.program(plan), label: label, expect: expect, at: now) else { return false }
            judge.programAccepted(plan)
            return true
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
