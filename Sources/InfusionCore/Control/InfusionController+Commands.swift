extension InfusionController {
    /// Applies a technician command between ticks. Refusals name the state, the alarm or the
    /// limit, and change nothing.
    public mutating func handle(_ command: TechnicianCommand, at now: ControlInstant) -> Result<Void, CommandRefusal> {
        let name = command.description
        func refuse(_ code: CommandRefusal.Code) -> Result<Void, CommandRefusal> {
            .failure(CommandRefusal(code, command: name))
        }
        func require(_ event: StateEvent) -> InfusionState? { state.after(event) }

        switch command {
        case .loadSyringe(let spec, let fill):
            guard let next = require(.loadSyringe(programInProgress: program?.started == true)) else {
                return refuse(.wrongState(state))
            }
            guard fill.value > 0, fill <= spec.usableVolume else {
                return refuse(
                    .limit([
                        LimitFinding(
                            field: "fill volume", severity: .hard, bound: fill.value > 0 ? .maximum : .minimum,
                            value: "\(fill)", limit: "\(spec.usableVolume) usable in \(spec.name)", rule: "DOSE-007")
                    ]))
            }
            syringe = LoadedSyringe(spec: spec, fill: fill, mechanics: settings.mechanics)
            syringeSpec = spec
            primedVolume = .zero
            occlusion.reset(at: now)
            state = next
            rearmForSyringe(at: now)
            if state == .paused { pausedSince = now }

        case .unloadSyringe:
            guard let next = require(.unloadSyringe) else { return refuse(.wrongState(state)) }
            syringe = nil
            syringeSpec = nil
            backoff = .idle
            state = next
            pausedSince = nil

        case .prime(let volume):
            guard let next = require(.prime), let syringe, let syringeSpec else { return refuse(.wrongState(state)) }
            if alarms.anyStoppingActive { return refuse(.alarmActive(alarms.active.filter(\.stopsDelivery))) }
            let most = min(settings.primeVolumeLimit, syringe.remaining)
            guard volume.value > 0, volume <= most else {
                return refuse(
                    .limit([
                        LimitFinding(
                            field: "prime volume", severity: .hard, bound: volume.value > 0 ? .maximum : .minimum, value: "\(volume)",
                            limit: volume.value > 0 ? "\(most) (\(settings.primeVolumeLimit) a prime, \(syringe.remaining) in the syringe)" : "more than 0 mL",
                            rule: "PRIME-001")
                    ]))
            }
            let steps = Int64((volume.value * syringe.stepsPerMillilitre).rounded(.down))
            let rate = min(settings.primeRate, settings.mechanics.maximumRate(for: syringeSpec))
            // No program is in force here (a stopped one leaves its drug per step armed): the
            // monitor counts priming motion as no drug, and holds it to the allowance instead.
            rearmForSyringe(at: now)
            priming = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
            priming.setRate(rate, at: now)
            priming.limitTarget(toAdditional: steps)
            monitor.allowPriming(steps: steps)
            occlusion.reset(at: now)
            backoff = .idle
            currentRate = rate
            peakRate = max(peakRate, rate)
            state = next

        case .program(let plan):
            guard let next = require(.program), syringe != nil else { return refuse(.wrongState(state)) }
            let headroom = ledger.headroom(under: plan.caps).milligrams
            if plan.loadingBolus.map({ $0.drug > headroom }) == true || headroom.value <= 0 {
                return refuse(
                    .limit([
                        LimitFinding(
                            field: "drug the caps still allow", severity: .hard, bound: .maximum,
                            value: "\(plan.loadingBolus?.drug ?? .zero)", limit: "\(headroom)", rule: "DOSE-005")
                    ]))
            }
            program = ActiveProgram(plan: plan)
            limits = program?.limits
            programDeliveredVolume = .zero
            peakRate = .zero
            loadingBolusSettled = false
            ledger.beginProgram()
            monitor.beginProgram()
            alarms.clear(.infusionComplete)
            state = next
            rearmForSyringe(at: now)

        case .start:
            guard let program else { return refuse(.wrongState(state)) }
            let withBolus = program.plan.loadingBolus != nil && !loadingBolusSettled
            guard let next = require(.start(withBolus: withBolus)) else { return refuse(.wrongState(state)) }
            if alarms.anyStoppingActive { return refuse(.alarmActive(alarms.active.filter(\.stopsDelivery))) }
            self.program?.started = true
            if withBolus, let loading = program.plan.loadingBolus { beginBolus(loading, at: now) }
            state = next
            beginDelivery(at: now)

        case .pause:
            guard let next = require(.pause) else { return refuse(.wrongState(state)) }
            if bolusActive {
                // A paused bolus is abandoned, never resumed later by surprise.
                bolusActive = false
                loadingBolusSettled = true
            }
            state = next
            pausedSince = now
            setRate(.zero, at: now)

        case .resume:
            guard let next = require(.resume) else { return refuse(.wrongState(state)) }
            if alarms.anyStoppingActive { return refuse(.alarmActive(alarms.active.filter(\.stopsDelivery))) }
            guard syringe != nil else { return refuse(.wrongState(state)) }
            state = next
            pausedSince = nil
            beginDelivery(at: now)

        case .stop:
            guard let next = require(.stop) else { return refuse(.wrongState(state)) }
            bolusActive = false
            priming = .idle
            program = nil
            limits = nil
            pausedSince = nil
            setRate(.zero, at: now)
            state = next

        case .bolus(let dose, let confirmed):
            guard state == .running, let program, let syringeSpec else { return refuse(.wrongState(state)) }
            // DESIGN.md rule 6: no bolus while any alarm is active.
            if alarms.anyActive { return refuse(.alarmActive(alarms.active)) }
            let request = ProgramRequest(
                drug: program.plan.drug.name, concentration: program.plan.concentration, weight: program.plan.weight,
                dose: program.plan.dose, extent: .duration(program.plan.duration))
            let (plan, findings) = ProgramValidator.planBolus(
                dose, drug: program.plan.drug, request: request, basalRate: program.plan.rate,
                maximumRate: settings.mechanics.maximumRate(for: syringeSpec))
            let hard = findings.filter { $0.severity == .hard }
            if !hard.isEmpty { return refuse(.limit(hard)) }
            if !findings.isEmpty, !confirmed { return refuse(.needsConfirmation(findings)) }
            guard let plan else { return refuse(.limit(findings)) }
            let headroom = ledger.headroom(under: program.plan.caps).milligrams
            if plan.drug > headroom {
                return refuse(
                    .limit([
                        LimitFinding(
                            field: "bolus", severity: .hard, bound: .maximum, value: "\(plan.drug)",
                            limit: "\(headroom) the caps still allow", rule: "DOSE-005")
                    ]))
            }
            // The bolus fits now, but with the rest of the basal it may reach a cap, which would then
            // stop the infusion early: that needs the technician's explicit confirmation.
            let projections = basalProjection(after: plan, program: program, syringeSpec: syringeSpec)
            if !projections.isEmpty, !confirmed { return refuse(.needsConfirmation(findings + projections)) }
            guard let next = require(.bolusStarted) else { return refuse(.wrongState(state)) }
            beginBolus(plan, at: now)
            state = next

        case .acknowledge(let id):
            if !alarms.acknowledge(id) { return refuse(.noActiveAlarm) }

        case .silence:
            if !alarms.anyActive { return refuse(.noActiveAlarm) }
            alarms.pauseAudio(at: now)

        case .reset:
            guard alarms.anyActive else { return refuse(.noActiveAlarm) }
            if state == .fault { return refuse(.wrongState(state)) }
            let persisting = alarms.reset(at: now).filter(\.stopsDelivery)
            if !persisting.isEmpty { return refuse(.conditionPersists(persisting)) }
            if state == .stoppedByAlarm, let next = state.after(.reset(programInProgress: program != nil)) {
                state = next
                if state == .paused { pausedSince = now }
            }
        }
        return .success(())
    }

    /// Soft findings for each rolling window that this bolus plus the basal still to come within
    /// that window would take past its cap.
    private func basalProjection(after bolus: BolusPlan, program: ActiveProgram, syringeSpec: SyringeSpec) -> [LimitFinding] {
        let remainingTime = remainingProgramVolume / program.plan.rate
        var findings: [LimitFinding] = []
        for window in DoseWindow.allCases {
            let basal = program.plan.drugRate * min(remainingTime, window.length.seconds)
            let projected = ledger.delivered(in: window).milligrams + bolus.drug + basal
            let cap = program.plan.caps.cap(for: window)
            if projected > cap {
                findings.append(
                    LimitFinding(
                        field: "drug over any \(window) with this bolus (the infusion would stop at the cap)",
                        severity: .soft, bound: .maximum, value: "\(projected)", limit: "\(cap)", rule: "DOSE-005"))
            }
        }
        return findings
    }

    /// Basal volume the program still has to deliver.
    public var remainingProgramVolume: Millilitres {
        guard let limits = program?.limits else { return .zero }
        return max(.zero, limits.volume - programDeliveredVolume)
    }

    /// Validates a program against the loaded syringe and this controller's ledger.
    public func validate(_ request: ProgramRequest, with validator: ProgramValidator) -> ProgramValidation {
        guard let syringeSpec else {
            return .refused([
                LimitFinding(
                    field: "syringe", severity: .hard, bound: .minimum, value: "none", limit: "a loaded syringe",
                    rule: "STATE-001")
            ])
        }
        return validator.validate(request, syringe: syringeSpec, ledger: ledger)
    }

    /// A snapshot for displays and reports (allocates; never called from the tick).
    public var status: InfusionStatus {
        let concentration = program?.plan.concentration
        let delivered = program == nil ? .zero : programDeliveredVolume
        var windows: [DoseWindow: Milligrams] = [:]
        for window in DoseWindow.allCases { windows[window] = ledger.delivered(in: window).milligrams }
        let rate = state.movesPlunger ? currentRate : .zero
        return InfusionStatus(
            state: state, rate: rate, programVolume: program?.plan.volume, deliveredVolume: delivered,
            deliveredDrug: concentration.map { delivered * $0 } ?? .zero,
            timeRemaining: program.flatMap { program in
                program.plan.rate.value > 0 ? remainingProgramVolume / program.plan.rate : nil
            },
            syringeRemaining: syringe?.remaining, pressure: lastPressure, activeAlarms: alarms.active,
            highestAlarm: alarms.highestActive, deliveredInWindow: windows)
    }

    /// What survives a restart: what the journal persists (issue: the daemon). The ledger and the
    /// program's progress carry over; motion state does not. A started program left mid-way
    /// (``InfusionState/leavesAProgramUnderWay``, `fault` included) restarts stopped and alarmed.
    public var persistentState: PersistentState {
        PersistentState(
            ledger: ledger, program: program, programDeliveredVolume: programDeliveredVolume,
            loadingBolusSettled: loadingBolusSettled,
            syringeSpec: syringeSpec, syringe: syringe,
            wasInfusing: program?.started == true && state.leavesAProgramUnderWay)
    }

    /// Raises an alarm the daemon found outside the tick: a journal that had to be moved aside at
    /// start, whose totals are therefore unknown. It latches like any high alarm.
    public mutating func raiseAtStart(_ alarm: AlarmID, at now: ControlInstant) {
        alarms.raise(alarm, at: now)
    }

    /// Rebuilds a controller after a restart. It never resumes by itself (DESIGN.md rule 4): an
    /// infusion that was under way comes back stopped, with "restarted during infusion" raised
    /// and every total restored.
    public init(restoring saved: PersistentState, settings: ControllerSettings, at now: ControlInstant) {
        self.init(settings: settings, startingAt: now)
        ledger = saved.ledger
        ledger.advance(to: now)
        seedMonitor(from: saved.ledger)
        program = saved.program
        limits = saved.program?.limits
        programDeliveredVolume = saved.programDeliveredVolume
        loadingBolusSettled = saved.loadingBolusSettled
        syringe = saved.syringe
        syringeSpec = saved.syringeSpec
        if saved.syringe != nil {
            state = program == nil ? .syringeLoaded : .programmed
            rearmForSyringe(at: now)
        }
        if saved.wasInfusing {
            alarms.raise(.restartedDuringInfusion, at: now)
            state = saved.syringe == nil ? .noSyringe : .stoppedByAlarm
        }
    }
}

/// What the journal must keep for a restart to restore totals and the program.
public struct PersistentState: Sendable {
    public var ledger: DoseLedger
    public var program: ActiveProgram?
    public var programDeliveredVolume: Millilitres
    public var loadingBolusSettled: Bool
    public var syringeSpec: SyringeSpec?
    public var syringe: LoadedSyringe?
    public var wasInfusing: Bool

    public init(
        ledger: DoseLedger, program: ActiveProgram?, programDeliveredVolume: Millilitres, loadingBolusSettled: Bool,
        syringeSpec: SyringeSpec?, syringe: LoadedSyringe?, wasInfusing: Bool
    ) {
        self.ledger = ledger
        self.program = program
        self.programDeliveredVolume = programDeliveredVolume
        self.loadingBolusSettled = loadingBolusSettled
        self.syringeSpec = syringeSpec
        self.syringe = syringe
        self.wasInfusing = wasInfusing
    }
}
