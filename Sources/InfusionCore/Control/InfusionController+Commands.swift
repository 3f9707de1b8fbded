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
        case .start, .resume, .prime:
            if stopKeyHeld {
                return refuse(.rule("KEYS-001", reason: "the STOP key on the pump is held (or its wire is broken); release it first"))
            }
        default:
            break
        }

        switch command {
        case .loadSyringe(let spec, let fill):
            guard let next = require(.loadSyringe(programInProgress: program?.phase == .underWay)) else {
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
            if state == .fault {
                // The patient is off the condemned pump: its program is abandoned with it.
                program = nil
                limits = nil
            }
            // The line leaves the patient with the syringe (DESIGN.md rule 10).
            syringe = nil
            syringeSpec = nil
            motion = .still
            currentRate = .zero
            state = next
            pausedSince = nil

        case .prime(let volume, let lineDisconnected):
            guard let next = require(.prime), let syringe, let syringeSpec else { return refuse(.wrongState(state)) }
            if syringe.isOnPatient {
                // Priming once followed a stop here and pushed 5 mL into a connected patient,
                // outside the ledger (issue 14, finding 1).
                return refuse(
                    .rule(
                        "PATIENT-001",
                        reason: "the line is on the patient (delivery has started on this syringe) and priming is for a line not yet connected; unload the syringe to end the connection"))
            }
            if lineMayBeConnected, !lineDisconnected {
                return refuse(
                    .rule(
                        "PATIENT-005",
                        reason: "a program has started on this pump since the line was last said to be off the patient; disconnect the line from the patient and confirm it (infusionctl prime --line-disconnected)"))
            }
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
            let steps = Int64(saturating: volume.value * syringe.stepsPerMillilitre, rounding: .down)
            let rate = min(settings.primeRate, settings.mechanics.maximumRate(for: syringeSpec))
            // No program is in force here: the monitor counts priming motion as no drug, and
            // holds it to the allowance instead.
            rearmForSyringe(at: now)
            var planner = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
            planner.setRate(rate, at: now)
            planner.limitTarget(toAdditional: steps)
            monitor.allowPriming(steps: steps)
            occlusion.reset(at: now)
            motion = .priming(planner)
            lineMayBeConnected = false
            currentRate = rate
            peakRate = max(peakRate, rate)
            state = next

        case .program(let plan):
            guard let next = require(.program), syringe != nil else { return refuse(.wrongState(state)) }
            if let finding = patientFinding(weight: plan.weight, concentration: plan.concentration) {
                return refuse(.limit([finding]))
            }
            let headroom = ledger.headroom(under: plan.caps).milligrams
            if plan.loadingBolus.map({ $0.drug > headroom }) == true || headroom.value <= 0 {
                return refuse(
                    .limit([
                        LimitFinding(
                            field: "drug the caps still allow", severity: .hard, bound: .maximum,
                            value: "\(plan.loadingBolus?.drug ?? .zero)", limit: "\(headroom)", rule: "DOSE-005")
                    ]))
            }
            if patient == nil { patient = Patient(weight: plan.weight, id: nil, number: 1) }
            program = ActiveProgram(plan: plan)
            limits = program?.limits
            programDeliveredVolume = .zero
            ledger.beginProgram()
            monitor.beginProgram()
            alarms.clear(.infusionComplete)
            state = next
            rearmForSyringe(at: now)

        case .start:
            guard let program else { return refuse(.wrongState(state)) }
            guard program.phase == .ready else {
                return refuse(.rule("PATIENT-003", reason: "this program has been started before and is given once; program again to give more"))
            }
            guard let next = require(.start(withBolus: program.owesLoadingBolus)) else { return refuse(.wrongState(state)) }
            if alarms.anyStoppingActive { return refuse(.alarmActive(alarms.active.filter(\.stopsDelivery))) }
            let loading = program.owesLoadingBolus ? program.plan.loadingBolus : nil
            self.program?.phase = .underWay
            // Begun is given: a loading bolus is never offered twice (DESIGN.md rule 10).
            if loading != nil { self.program?.loadingBolusBegun = true }
            state = next
            beginDelivery(at: now, bolus: loading)

        case .pause:
            guard let next = require(.pause) else { return refuse(.wrongState(state)) }
            // A bolus cut short by a pause is abandoned, never resumed later by surprise.
            halt()
            state = next
            pausedSince = now

        case .resume:
            guard let next = require(.resume) else { return refuse(.wrongState(state)) }
            if alarms.anyStoppingActive { return refuse(.alarmActive(alarms.active.filter(\.stopsDelivery))) }
            guard syringe != nil else { return refuse(.wrongState(state)) }
            state = next
            pausedSince = nil
            beginDelivery(at: now)

        case .stop:
            guard let next = require(.stop) else { return refuse(.wrongState(state)) }
            halt()
            // A stopped program is gone: it can never be started again (DESIGN.md rule 10).
            program = nil
            limits = nil
            pausedSince = nil
            state = next
            // Drug per step now follows the drug on the line, not the program (rearmForSyringe).
            rearmForSyringe(at: now)

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

        case .chart(let readings):
            guard !readings.isEmpty else { return refuse(.rule("VITALS-004", reason: "no observation given")) }
            if let why = readings.implausibility { return refuse(.rule("VITALS-004", reason: why)) }
            for sign in VitalSign.every {
                guard let value = readings[sign]?.value else { continue }
                charted[sign] = VitalReading(value: value, measuredAt: now)
            }

        case .newPatient(let weight, let id):
            guard weight.value.isFinite, weight.value > 0 else {
                return refuse(
                    .limit([
                        LimitFinding(field: "patient weight", severity: .hard, bound: .minimum, value: "\(weight)", limit: "more than 0 kg", rule: "PATIENT-002")
                    ]))
            }
            if program?.phase == .underWay {
                return refuse(.rule("PATIENT-002", reason: "a program is under way for the present patient; stop it first"))
            }
            // The same id is the same person: a corrected weight, whose drug still counts; only the
            // caps' per-kilogram arithmetic changes (red team, issue 14 F1: the same id once reset
            // every window, and 494 mg went into a 70 kg patient against a 350 mg 4 h cap).
            let correction = patient.map { present in id != nil && present.id == id } ?? false
            if !correction, lineOnPatient {
                return refuse(.rule("PATIENT-002", reason: "the line of the loaded syringe is on the present patient; a new patient needs a new line: unload the syringe first"))
            }
            guard let next = require(.newPatient) else { return refuse(.wrongState(state)) }
            if correction, let present = patient {
                patient = Patient(weight: weight, id: id, number: present.number)
            } else {
                patient = Patient(weight: weight, id: id, number: (patient?.number ?? 0) + 1)
                // The previous patient's drug is not this one's, nor their vital signs.
                ledger.beginPatient()
                monitor.beginPatient()
                vitals.clear()
                charted = VitalReadings()
                vitalsRecheckSince = nil
                lastVitalsRules = nil
            }
            // A program for the old weight or the old patient is not for this one.
            program = nil
            limits = nil
            programDeliveredVolume = .zero
            alarms.clear(.infusionComplete)
            state = next
            rearmForSyringe(at: now)
        }
        return .success(())
    }

    /// Why a program for `weight` at `concentration` does not fit the patient and the syringe, or
    /// nil. One patient, one weight (a new weight once raised the caps over drug already given:
    /// issue 14, finding 5); and a syringe on the patient holds the drug it was started with.
    func patientFinding(weight: Kilograms, concentration: MilligramsPerMillilitre) -> LimitFinding? {
        if let patient, !patient.weighs(weight) {
            return LimitFinding(
                field: "patient weight", severity: .hard, bound: weight > patient.weight ? .maximum : .minimum, value: "\(weight)",
                limit: "\(patient.weight), the present patient's weight (a new patient or a corrected weight is infusionctl new-patient)",
                rule: "PATIENT-002")
        }
        if let onPatient = syringe?.patientConcentration, abs(onPatient.value - concentration.value) > onPatient.value * 1e-9 {
            return LimitFinding(
                field: "concentration", severity: .hard, bound: concentration > onPatient ? .maximum : .minimum,
                value: "\(concentration)", limit: "\(onPatient), what the syringe on the patient was started with", rule: "PATIENT-001")
        }
        return nil
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
        if let finding = patientFinding(weight: request.weight, concentration: request.concentration) {
            return .refused([finding])
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
}
