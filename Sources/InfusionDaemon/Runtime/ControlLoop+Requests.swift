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
            if controller.persistentState.wasInfusing {
                interrupted = true
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
        let state = controller.state
        saved.netSteps = controller.syringe?.netSteps ?? 0
        saved.programStarted = controller.program?.started ?? false
        saved.programDeliveredMl = controller.programDeliveredVolume.value
        saved.loadingBolusSettled = controller.loadingBolusSettled
        saved.wasInfusing = interrupted || controller.persistentState.wasInfusing
        saved.state = state.wireName
        if controller.syringe == nil {
            saved.syringe = nil
            saved.fillMl = nil
        }
        if controller.program == nil { saved.program = nil }
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
            syringe: controller.syringe == nil ? nil : progress.syringe)
    }
}
