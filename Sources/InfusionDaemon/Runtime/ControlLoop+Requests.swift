import ControlProtocol
import InfusionCore

extension ControlLoop {
    /// Handles one request between ticks, on the loop's thread.
    public func handle(_ request: LoopRequest, at now: ControlInstant) -> LoopReply {
        let reply: LoopReply
        switch request {
        case .progress:
            return .progress(currentProgress())
        case .stopForShutdown:
            // Delivery is paused, not stopped: the program stays under way in the journal, so the
            // next start comes back stopped with restarted_during_infusion and the program kept.
            if controller.state.isDelivering {
                _ = controller.handle(.pause, at: now)
            } else if controller.state == .priming {
                _ = controller.handle(.stop, at: now)
            }
            return .progress(currentProgress())
        case .replaceLibrary(let replacement):
            validator = replacement
            reply = .done
        case .inject(let fault):
            if let refusal = device.inject(fault) { return .unavailable(refusal) }
            reply = .done
        case .loadSyringe(let spec, let fill):
            if let reason = device.notReadyForSyringe { return .notReady("load-syringe refused: \(reason)") }
            reply = outcome(controller.handle(.loadSyringe(spec, fill: fill), at: now))
            if case .done = reply {
                device.syringeLoaded(spec, fill: fill)
                progress.syringe = spec.name
                progress.fillMl = fill.value
            }
        case .program(let programRequest, let text):
            switch controller.validate(programRequest, with: validator) {
            case .refused(let findings):
                return .refused(CommandRefusal(.limit(findings), command: "program"))
            case .needsConfirmation(let findings):
                return .refused(CommandRefusal(.needsConfirmation(findings), command: "program"))
            case .accepted(let plan):
                reply = outcome(controller.handle(.program(plan), at: now))
                if case .done = reply {
                    progress.program = text
                    progress.programNumber += 1
                    gauges.programNumber.store(progress.programNumber, ordering: .releasing)
                }
            }
        case .command(let command):
            reply = outcome(controller.handle(command, at: now))
            if case .done = reply, case .unloadSyringe = command {
                device.syringeUnloaded()
                progress.syringe = nil
                progress.fillMl = nil
            }
        }
        gauges.patientNumber.store(controller.patient?.number ?? 0, ordering: .releasing)
        // A command changes what watchers see even when no tick has yet.
        pendingDescriptors = statusDescriptors()
        publishStatus(at: now)
        gauges.changes.add(1, ordering: .releasing)
        return reply
    }

    private func outcome(_ result: Result<Void, CommandRefusal>) -> LoopReply {
        switch result {
        case .success: .done
        case .failure(let refusal): .refused(refusal)
        }
    }

    func currentProgress() -> SavedProgress {
        var saved = progress
        let persistent = controller.persistentState
        saved.netSteps = persistent.syringe?.netSteps ?? 0
        saved.patientConcentrationMgPerMl = persistent.syringe?.patientConcentration?.value
        saved.primedMl = persistent.primedVolume.value
        saved.lineMayBeConnected = persistent.lineMayBeConnected
        saved.programPhase = persistent.program?.phase.rawValue
        saved.loadingBolusBegun = persistent.program?.loadingBolusBegun ?? false
        saved.programDeliveredMl = persistent.programDeliveredVolume.value
        saved.patient = persistent.patient.map { SavedProgress.SavedPatient(weightKg: $0.weight.value, id: $0.id, number: $0.number) }
        saved.state = persistent.state.wireName
        saved.alarms = SavedProgress.alarms(persistent.alarms)
        saved.charted = SavedProgress.charted(persistent.charted)
        saved.oximeterBeyondWarning = SavedProgress.oximeterNames(persistent.oximeterMemory.beyondWarning)
        saved.oximeterCritical = SavedProgress.oximeterNames(persistent.oximeterMemory.critical)
        if persistent.syringe == nil {
            saved.syringe = nil
            saved.fillMl = nil
        }
        if persistent.program == nil { saved.program = nil }
        return saved
    }

    /// The status in plain numbers. Copies only: no allocation, so it can follow every period.
    func statusNumbers(at now: ControlInstant) -> StatusSnapshot {
        let state = controller.state
        let program = controller.program
        var numbers = StatusSnapshot()
        numbers.stateCode = state.code
        // Priming moves fluid at its rate but no drug, so it is not in the commanded flow.
        numbers.rateMlPerH = state == .priming ? controller.commandedPrimingRate.value : controller.commandedFlow.value
        let delivered = program == nil ? 0 : controller.programDeliveredVolume.value
        numbers.deliveredMl = delivered
        numbers.deliveredMg = program.map { delivered * $0.plan.concentration.value } ?? 0
        if state == .completed || state == .keepVeinOpen {
            numbers.timeRemainingS = 0
        } else if let program, program.plan.rate.value > 0 {
            numbers.timeRemainingS = (controller.remainingProgramVolume / program.plan.rate).value
        }
        numbers.syringeRemainingMl = controller.syringe?.remaining.value ?? .nan
        numbers.pressureMmHg = controller.lastPressure.value
        numbers.activeAlarms = controller.alarms.activeMask
        numbers.acknowledgedAlarms = controller.alarms.acknowledgedMask
        numbers.audioPaused = controller.alarms.audioPausedUntil.map { $0 > now } ?? false
        numbers.ledgerMg = controller.ledger.lifetimeTotal.milligrams.value
        numbers.programLedgerMg = controller.ledger.programTotal.milligrams.value
        numbers.simulatorDeliveredMl = device.deliveredToPatient?.value ?? .nan
        numbers.primedMl = controller.syringe == nil ? .nan : controller.primedVolume.value
        numbers.controlNanoseconds = now.nanoseconds
        numbers.lastHourMg = controller.ledger.delivered(in: .oneHour).milligrams.value
        numbers.lastFourHoursMg = controller.ledger.delivered(in: .fourHours).milligrams.value
        numbers.lastDayMg = controller.ledger.delivered(in: .twentyFourHours).milligrams.value
        for sign in VitalSign.every {
            let oximeter = lastOximeter?.readings[sign]
            let charted = controller.charted[sign]
            let freshest = charted.map { chart in oximeter.map { $0.measuredAt >= chart.measuredAt ? ($0, VitalSource.oximeter) : (chart, .charted) } ?? (chart, .charted) }
                ?? oximeter.map { ($0, VitalSource.oximeter) }
            guard let (reading, source) = freshest else { continue }
            numbers.vitalValues[sign.rawValue] = reading.value
            numbers.vitalMeasuredAt[sign.rawValue] = reading.measuredAt.nanoseconds
            numbers.vitalSources[sign.rawValue] = UInt8(source.rawValue)
            numbers.vitalLevels[sign.rawValue] = UInt8(controller.vitals.verdict.level(sign).rawValue)
        }
        return numbers
    }

    /// The words of the status: built when a command changes them (allocates; never in a period).
    func statusDescriptors() -> StatusDescriptors {
        StatusDescriptors(
            program: controller.program.map { program in
                StatusReport.Program(
                    drug: program.plan.drug.name, concentrationMgPerMl: program.plan.concentration.value,
                    dose: program.plan.dose.description, volumeMl: program.plan.volume.value,
                    durationS: program.plan.duration.value)
            },
            syringe: controller.syringe == nil ? nil : progress.syringe,
            patient: controller.patient.map { StatusReport.Patient(weightKg: $0.weight.value, id: $0.id, number: $0.number) },
            lineOnPatient: controller.lineOnPatient)
    }
}
