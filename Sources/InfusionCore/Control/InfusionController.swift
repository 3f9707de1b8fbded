/// The pump's brain: one ``tick(now:sensors:)`` that holds every control decision, and
/// ``handle(_:at:)`` for technician commands.
///
/// Pure: no I/O, no threads, no clock. The daemon calls `tick` from its real-time thread at 1 kHz;
/// the simulator calls the same function in virtual time. Commands are applied between ticks.
///
/// - Important: `tick` never allocates, locks, logs or does I/O. Its storage (ledger ring,
///   pressure ring, alarm records) is allocated in `init`; the benchmarks count mallocs per tick.
public struct InfusionController: Sendable {
    public let settings: ControllerSettings
    public internal(set) var state: InfusionState = .noSyringe
    public internal(set) var alarms = AlarmSystem()
    public internal(set) var ledger: DoseLedger
    public internal(set) var syringe: LoadedSyringe?
    public internal(set) var syringeSpec: SyringeSpec?
    public internal(set) var program: ActiveProgram?
    /// Basal volume the program has delivered so far, across every syringe.
    public internal(set) var programDeliveredVolume = Millilitres.zero
    /// The program's loading bolus has been given, or abandoned by a pause or an alarm: it is
    /// never given again, not even on resume.
    public internal(set) var loadingBolusSettled = false
    /// The numbers of `program` the tick reads (nil without a program).
    var limits: ProgramLimits?
    public internal(set) var lastPressure = MillimetresOfMercury.zero
    /// The largest |ideal − delivered| basal step count seen at the end of any tick while
    /// delivering: the planner's own accuracy, watched by tests and the simulator (limit: 1).
    public internal(set) var worstBasalStepError = 0.0
    /// This tick wanted to deliver more than the durable ledger covers, and held it back: the
    /// journal is behind. The daemon raises journal failure when that lasts (DESIGN.md rule 5).
    public internal(set) var writeAheadHeld = false

    var basal = StepPlanner(stepsPerMillilitre: 1)
    var bolus = StepPlanner(stepsPerMillilitre: 1)
    var bolusActive = false
    var occlusion: OcclusionDetector
    var air: AirInLineDetector
    var monitor: SafetyMonitor
    var picogramsPerStep = Picograms.zero
    var lastTick: ControlInstant
    var lastForwardSteps: Int64 = 0
    /// The basal part of the steps planned this tick; the rest is bolus.
    var plannedBasalSteps: Int64 = 0
    var pausedSince: ControlInstant?
    /// The bounded back-off after an occlusion (DESIGN.md rule 7): planned like any motion, at the
    /// drive's rated maximum, with the back-off bound as its target. Idle when its target is reached.
    var backoff = StepPlanner.idle
    /// The line being primed: planned like delivery, at the priming rate, to the volume asked.
    var priming = StepPlanner.idle
    /// Volume pushed by priming into the line of the loaded syringe (not given to the patient).
    public internal(set) var primedVolume = Millilitres.zero
    var currentRate = MillilitresPerHour.zero
    /// The fastest flow commanded in this program (basal plus bolus): the smart-pump cross-check
    /// allows for command latency at this rate.
    var peakRate = MillilitresPerHour.zero
    var bolusRate = MillilitresPerHour.zero
    var deliveryCheck = DeliveryCrossCheck()
    /// Steps a smart pump proved it delivered beyond what the loop commanded (it stops a little
    /// after being told): recorded in the ledger so it never under-counts.
    var smartPumpExcessSteps: Int64 = 0

    public init(settings: ControllerSettings, startingAt now: ControlInstant = .origin) {
        self.settings = settings
        ledger = DoseLedger(startingAt: now)
        occlusion = OcclusionDetector(settings: settings)
        air = AirInLineDetector(limit: settings.airBubbleLimit)
        monitor = SafetyMonitor(settings: settings, startingAt: now)
        lastTick = now
    }

    // MARK: - The control tick

    /// One control period: read the sensors, decide, return what the motor and indicators do.
    public mutating func tick(now: ControlInstant, sensors: SensorSnapshot) -> Actuation {
        let interval = max(ControlDuration.zero, now - lastTick)
        lastTick = now
        ledger.advance(to: now)
        let stepsPerTickLimit = stepLimit(for: interval)

        observeConditions(sensors, at: now)
        if let report = sensors.pumpReport { account(report, commanded: sensors.motorSteps, at: now) }
        switch monitor.observe(sensors, at: now, stepsPerTickLimit: stepsPerTickLimit) {
        case .permit, .capReached, .ledgerBehind: break
        case .stall: alarms.raise(.motorStall, at: now)
        case .runaway: enterFault(raising: .deliveryMismatch, at: now)
        }
        if alarms.anyStoppingActive, state.movesPlunger || state == .paused {
            stopForAlarm(at: now)
        }

        let headroom = limits.map { ledger.headroom(under: $0.caps) } ?? .zero
        var steps: Int64 = 0
        writeAheadHeld = false
        if state.isDelivering {
            steps = plannedForwardSteps(at: now, limit: stepsPerTickLimit, headroom: headroom)
            steps = heldToDurableLedger(steps, durable: sensors.durableLedger)
        } else if state == .priming, let syringe {
            steps = min(priming.due(at: now, limit: stepsPerTickLimit), syringe.remainingSteps)
        } else if !backoff.reachedTarget {
            steps = plannedBackoffSteps(at: now, limit: stepsPerTickLimit)
        }

        let verdict = state == .priming ? monitor.reviewPriming(steps: steps, ledger: ledger) : monitor.review(steps: steps, ledger: ledger, at: now)
        switch verdict {
        case .permit: commit(steps, at: now)
        case .capReached:
            alarms.raise(.doseLimitReached, at: now)
            stopForAlarm(at: now)
            steps = 0
        case .ledgerBehind, .runaway:
            enterFault(raising: .deliveryMismatch, at: now)
            steps = 0
        case .stall:
            alarms.raise(.motorStall, at: now)
            stopForAlarm(at: now)
            steps = 0
        }
        lastForwardSteps = max(steps, 0)
        advanceProgramPhase(at: now)
        // Measured after the phase change: a tick whose steps a cap clamped has just stopped
        // delivery, and a stopped planner owes nothing.
        // A tick the journal held back owes its steps by design; that is not the planner's error.
        if state.isDelivering, !basal.reachedTarget, !writeAheadHeld {
            let error = basal.idealSteps(at: now) - Double(basal.deliveredSteps)
            if abs(error) > worstBasalStepError { worstBasalStepError = abs(error) }
        }

        return Actuation(
            motorEnabled: state.movesPlunger || steps != 0,
            steps: steps,
            rate: state.isDelivering || state == .priming ? currentRate : .zero,
            volumeLimit: state == .priming
                ? Millilitres(Double(priming.remainingSteps) / (syringe?.stepsPerMillilitre ?? 1))
                : volumeLimit(headroom: headroom - picogramsPerStep * max(steps, 0)),
            indicator: alarms.indicator(at: now),
            state: state,
            syringeDiameter: syringe?.innerDiameterMillimetres ?? 0)
    }

    /// Reconciles a smart pump's own count with the ledger, and checks it against the command.
    private mutating func account(_ report: SmartPumpReport, commanded: Int64, at now: ControlInstant) {
        if report.stalled { alarms.raise(.motorStall, at: now) }
        let counted = commanded + smartPumpExcessSteps
        if report.confirmedSteps > counted {
            let excess = report.confirmedSteps - counted
            ledger.record(picogramsPerStep * excess, at: now)
            smartPumpExcessSteps += excess
            syringe?.netSteps += excess
        }
        let worst = report.confirmedSteps + report.unconfirmedSteps
        ledger.setProvisional(picogramsPerStep * max(0, worst - (commanded + smartPumpExcessSteps)))
        let stepsPerSecond = peakRate.value * (syringe?.stepsPerMillilitre ?? 0) / 3_600
        if case .mismatch = deliveryCheck.check(report, fastestStepsPerSecond: stepsPerSecond) {
            alarms.raise(.deliveryMismatch, at: now)
        }
    }

    /// A tared load cell reads a little below zero from noise and drift; 20 N below zero (about
    /// 270 mmHg of "suction" on a 50 mL plunger) is no physical reading: the sensor has failed.
    static var forceSensorNegativeLimitNewtons: Double { 20 }

    /// The most steps one tick may emit: the driver's maximum rate over the elapsed interval,
    /// rounded up, plus one for the step that a rounding boundary can bring forward.
    private func stepLimit(for interval: ControlDuration) -> Int64 {
        let perNanosecond = Double(settings.mechanics.maximumStepsPerSecond) / 1e9
        return Int64((Double(interval.nanoseconds) * perNanosecond).rounded(.up)) + 1
    }

    private mutating func observeConditions(_ sensors: SensorSnapshot, at now: ControlInstant) {
        // Priming pushes fluid too: an occluded or airy line shows while it runs.
        let delivering = state.movesPlunger
        if let syringe {
            // A reading no syringe can produce blinds occlusion detection: stop rather than guess.
            let force = sensors.plungerForceNewtons
            let forceReadable = force.isFinite && force > -Self.forceSensorNegativeLimitNewtons
            alarms.update(.forceSensorFault, conditionPresent: !forceReadable, at: now)
            lastPressure = syringe.pressure(fromForce: forceReadable ? force : 0)
            let occluded = occlusion.observe(lastPressure, at: now, delivering: delivering)
            if alarms.update(.occlusion, conditionPresent: occluded, at: now), delivering {
                // DESIGN.md rule 7: release the pressure stored in the line, within a hard bound.
                backoff = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
                backoff.limitTarget(toAdditional: Int64(settings.backoffLimit.value * syringe.stepsPerMillilitre))
                let ratedMaximum = Double(settings.mechanics.maximumStepsPerSecond) * 3_600 / syringe.stepsPerMillilitre
                backoff.setRate(MillilitresPerHour(ratedMaximum), at: now)
            }
            let pumped = Millilitres(Double(lastForwardSteps) / syringe.stepsPerMillilitre)
            alarms.update(.airInLine, conditionPresent: air.observe(airSeen: sensors.airInLine, pumped: pumped), at: now)
            alarms.update(.syringeDisengaged, conditionPresent: !sensors.syringeClamped, at: now)
            let emptied = sensors.plungerAtEndOfTravel || (delivering && syringe.remainingSteps == 0 && basal.remainingSteps > 0)
            alarms.update(.syringeEmpty, conditionPresent: emptied, at: now)
            alarms.update(.nearEmpty, conditionPresent: delivering && isNearEmpty(syringe), at: now)
        } else {
            lastPressure = .zero
            alarms.update(.forceSensorFault, conditionPresent: false, at: now)
            alarms.update(.occlusion, conditionPresent: false, at: now)
            alarms.update(.airInLine, conditionPresent: false, at: now)
            alarms.update(.syringeDisengaged, conditionPresent: false, at: now)
            alarms.update(.syringeEmpty, conditionPresent: false, at: now)
            alarms.update(.nearEmpty, conditionPresent: false, at: now)
        }
        alarms.update(.pumpLinkLost, conditionPresent: !sensors.pumpLinkHealthy, at: now)
        alarms.update(.journalFailure, conditionPresent: !sensors.journalHealthy, at: now)
        alarms.update(.loopOverrun, conditionPresent: sensors.loopOverran, at: now)
        let pausedTooLong = state == .paused && pausedSince.map { now - $0 >= settings.pausedCallBack } == true
        alarms.update(.pausedTooLong, conditionPresent: pausedTooLong, at: now)
        alarms.update(.infusionComplete, conditionPresent: state == .completed || state == .keepVeinOpen, at: now)
    }

    private func isNearEmpty(_ syringe: LoadedSyringe) -> Bool {
        guard let limits, currentRate.value > 0 else { return false }
        // Only warn when the program still needs more than the syringe holds.
        guard limits.volume - programDeliveredVolume > syringe.remaining else { return false }
        return syringe.remaining / currentRate <= limits.nearEmptyWarning
    }

    private mutating func plannedForwardSteps(at now: ControlInstant, limit: Int64, headroom: Picograms) -> Int64 {
        guard let syringe else { return 0 }
        let basalDue = basal.due(at: now, limit: limit)
        let bolusDue = bolusActive ? bolus.due(at: now, limit: limit - basalDue) : 0
        var steps = min(basalDue + bolusDue, syringe.remainingSteps)
        // DESIGN.md rule 1, second check: clamp to what the caps still allow, then stop.
        let allowed = headroom.value / max(picogramsPerStep.value, 1)
        if steps > allowed {
            steps = allowed
            alarms.raise(.doseLimitReached, at: now)
        }
        plannedBasalSteps = min(steps, basalDue)
        return steps
    }

    /// DESIGN.md rule 5: forward steps only as far as the durable ledger already covers them.
    private mutating func heldToDurableLedger(_ steps: Int64, durable: Picograms?) -> Int64 {
        guard let durable, steps > 0 else { return steps }
        let covered = max(0, durable.value &- ledger.lifetimeTotal.value) / max(picogramsPerStep.value, 1)
        guard steps > covered else { return steps }
        writeAheadHeld = true
        plannedBasalSteps = min(plannedBasalSteps, covered)
        return covered
    }

    private mutating func plannedBackoffSteps(at now: ControlInstant, limit: Int64) -> Int64 {
        guard lastPressure > settings.backoffReleasePressure else {
            backoff = .idle
            return 0
        }
        let steps = backoff.due(at: now, limit: limit)
        backoff.commit(steps)
        return -steps
    }

    private mutating func commit(_ steps: Int64, at now: ControlInstant) {
        guard steps != 0 else { return }
        syringe?.netSteps += steps
        if state == .priming {
            // Into the line, not the patient: the ledger counts drug given, not drug moved.
            priming.commit(steps)
            if let stepsPerMillilitre = syringe?.stepsPerMillilitre {
                primedVolume += Millilitres(Double(steps) / stepsPerMillilitre)
            }
            return
        }
        guard steps > 0 else {
            // Back-off takes volume back into the syringe: the program owes it again. The ledger
            // is not reduced (DESIGN.md rule 5): drug that went forward may be in the patient.
            if let stepsPerMillilitre = syringe?.stepsPerMillilitre {
                programDeliveredVolume += Millilitres(Double(steps) / stepsPerMillilitre)
            }
            return
        }
        ledger.record(picogramsPerStep * steps, at: now)
        let basalShare = min(steps, plannedBasalSteps)
        basal.commit(basalShare)
        bolus.commit(steps - basalShare)
        if let stepsPerMillilitre = syringe?.stepsPerMillilitre {
            programDeliveredVolume += Millilitres(Double(basalShare) / stepsPerMillilitre)
        }
    }

    /// Moves between running, bolus, complete and stopped as the counts require.
    private mutating func advanceProgramPhase(at now: ControlInstant) {
        if alarms.isActive(.doseLimitReached), state.isDelivering {
            stopForAlarm(at: now)
            return
        }
        if state == .priming, priming.reachedTarget {
            priming = .idle
            setRate(.zero, at: now)
            transition(.primeFinished)
        }
        if state == .bolus, bolus.reachedTarget {
            bolusActive = false
            loadingBolusSettled = true
            transition(.bolusFinished)
        }
        if state == .running || state == .bolus, basal.reachedTarget, !bolusActive {
            let keepVeinOpen = (limits?.keepVeinOpenRate.value ?? 0) > 0
            transition(.programComplete(keepVeinOpen: keepVeinOpen))
            if keepVeinOpen, let rate = limits?.keepVeinOpenRate {
                basal.limitTarget(toAdditional: .max / 2)
                setRate(rate, at: now)
            } else {
                setRate(.zero, at: now)
            }
        }
    }

    private mutating func stopForAlarm(at now: ControlInstant) {
        priming = .idle
        if bolusActive {
            bolusActive = false
            loadingBolusSettled = true
        }
        pausedSince = nil
        setRate(.zero, at: now)
        transition(.alarmStop)
    }

    private mutating func enterFault(raising alarm: AlarmID, at now: ControlInstant) {
        alarms.raise(alarm, at: now)
        bolusActive = false
        backoff = .idle
        priming = .idle
        setRate(.zero, at: now)
        transition(.fault)
    }

    mutating func setRate(_ rate: MillilitresPerHour, at now: ControlInstant) {
        currentRate = rate
        peakRate = max(peakRate, rate + (bolusActive ? bolusRate : .zero))
        basal.setRate(rate, at: now)
        if !bolusActive { bolus.setRate(.zero, at: now) }
    }

    private mutating func transition(_ event: StateEvent) {
        if let next = state.after(event) { state = next }
    }

    /// The forward flow commanded now, basal and bolus together: what the journal must stay
    /// ahead of (DESIGN.md rule 5). Zero when not delivering.
    public var commandedFlow: MillilitresPerHour {
        guard state.isDelivering else { return .zero }
        return currentRate + (bolusActive ? bolusRate : .zero)
    }

    /// The plunger's rate while priming the line (zero otherwise): fluid moved, no drug given.
    public var commandedPrimingRate: MillilitresPerHour { state == .priming ? currentRate : .zero }

    /// Drug per forward step of the loaded syringe and program (rounded up, so never under-counts).
    public var drugPerStep: Picograms { picogramsPerStep }

    /// The caps in force for the current program (nil without one).
    public var capsInForce: DoseCaps? { limits?.caps }

    /// Keeps the accuracy record across a simulated restart, so a run reports its worst case.
    public mutating func carryWorstStepError(_ previous: Double) {
        worstBasalStepError = max(worstBasalStepError, previous)
    }

    /// Rebuilds the per-syringe counters after a syringe or program change.
    mutating func rearmForSyringe(at now: ControlInstant) {
        guard let syringe else { return }
        basal = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
        bolus = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
        basal.setRate(.zero, at: now)
        bolus.setRate(.zero, at: now)
        bolusActive = false
        currentRate = .zero
        if let limits {
            picogramsPerStep = Picograms(roundingUp: Milligrams(limits.concentration.value / syringe.stepsPerMillilitre))
            monitor.arm(caps: limits.caps, picogramsPerStep: picogramsPerStep)
        } else {
            picogramsPerStep = .zero
            monitor.arm(caps: nil, picogramsPerStep: .zero)
        }
    }

    /// Starts (or resumes) basal delivery: the target is what the program still needs.
    mutating func beginDelivery(at now: ControlInstant) {
        guard let syringe, let limits else { return }
        let remaining = max(0, limits.volume.value - programDeliveredVolume.value)
        basal.limitTarget(toAdditional: Int64((remaining * syringe.stepsPerMillilitre).rounded(.down)))
        occlusion.reset(at: now)
        backoff = .idle
        setRate(limits.rate, at: now)
    }

    /// Starts a bolus on top of the basal rate (a loading bolus runs alongside the infusion).
    mutating func beginBolus(_ plan: BolusPlan, at now: ControlInstant) {
        guard let syringe else { return }
        bolusRate = plan.rate
        peakRate = max(peakRate, currentRate + plan.rate)
        bolus = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
        bolus.setRate(plan.rate, at: now)
        bolus.limitTarget(toAdditional: Int64((plan.volume.value * syringe.stepsPerMillilitre).rounded(.down)))
        bolusActive = true
    }

    /// Gives the safety monitor the persisted ledger as its starting tally after a restart.
    mutating func seedMonitor(from ledger: DoseLedger) {
        monitor.seed(from: ledger)
    }

    /// What the caps, the program and the syringe still allow: a smart pump's own volume limit.
    func volumeLimit(headroom: Picograms) -> Millilitres {
        guard let limits, let syringe else { return .zero }
        let allowed = max(.zero, headroom).milligrams / limits.concentration
        return min(allowed, min(max(.zero, limits.volume - programDeliveredVolume), syringe.remaining))
    }
}
