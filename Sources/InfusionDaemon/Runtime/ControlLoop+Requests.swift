import ControlProtocol
import InfusionCore

extension ControlLoop {
    /// Handles one request between ticks, on the loop's thread.
    public func handle(_ request: LoopRequest, at now: ControlInstant) -> LoopReply {
        let reply: LoopReply
        switch request {
        case .status:
            return .status(statusReport(at: now))
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

    func statusReport(at now: ControlInstant) -> StatusReport {
        let status = controller.status
        let program = controller.program.map { program in
            StatusReport.Program(
                drug: program.plan.drug.name, concentrationMgPerMl: program.plan.concentration.value,
                dose: program.plan.dose.description, volumeMl: program.plan.volume.value,
                durationS: program.plan.duration.value)
        }
        let alarms = status.activeAlarms.map { id in
            StatusReport.Alarm(
                id: id.name, priority: StatusReport.Alarm.Priority(id.priority),
                acknowledged: controller.alarms.record(id).acknowledged)
        }
        var report = StatusReport(
            // Priming moves fluid at its rate but no drug, so it is not in the commanded flow.
            state: status.state.wireName, rateMlPerH: status.state == .priming ? status.rate.value : controller.commandedFlow.value,
            program: program,
            deliveredMl: status.deliveredVolume.value, deliveredMg: status.deliveredDrug.value,
            timeRemainingS: status.state == .completed || status.state == .keepVeinOpen ? 0 : status.timeRemaining?.value, syringeRemainingMl: status.syringeRemaining?.value,
            pressureMmHg: status.pressure.value, alarms: alarms,
            audioPaused: controller.alarms.audioPausedUntil.map { $0 > now } ?? false)
        report.syringe = progress.syringe
        report.ledgerMg = controller.ledger.lifetimeTotal.milligrams.value
        report.programLedgerMg = controller.ledger.programTotal.milligrams.value
        report.simulatorDeliveredMl = device.deliveredToPatient?.value
        report.primedMl = controller.syringe == nil ? nil : controller.primedVolume.value
        report.controlTimeS = Double(now.nanoseconds) / 1e9
        return report
    }
}

extension StatusReport.Alarm.Priority {
    init(_ priority: AlarmPriority) {
        switch priority {
        case .low: self = .low
        case .medium: self = .medium
        case .high: self = .high
        }
    }
}
