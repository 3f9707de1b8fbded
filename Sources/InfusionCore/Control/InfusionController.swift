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
    /// Whom the caps are counted for: named by the first program, or by `new-patient`.
    public internal(set) var patient: Patient?
    /// Basal volume the program has delivered so far, across every syringe.
    public internal(set) var programDeliveredVolume = Millilitres.zero
    /// The numbers of `program` the tick reads (nil without a program).
    var limits: ProgramLimits?
    public internal(set) var lastPressure = MillimetresOfMercury.zero
    /// The largest |ideal − delivered| basal step count seen at the end of any tick while
    /// delivering: the planner's own accuracy, watched by tests and the simulator (limit: 1).
    public internal(set) var worstBasalStepError = 0.0
    /// This tick wanted to deliver more than the durable ledger covers, and held it back: the
    /// journal is behind. The daemon raises journal failure when that lasts (DESIGN.md rule 5).
    public internal(set) var writeAheadHeld = false

    /// What the plunger is doing (``Motion``): the tick plans from it and nothing else.
    var motion = Motion.still
    var occlusion: OcclusionDetector
    var air: AirInLineDetector
    var monitor: SafetyMonitor
    var picogramsPerStep = Picograms.zero
    var lastTick: ControlInstant
    var lastForwardSteps: Int64 = 0
    /// The basal part of the steps planned this tick; the rest is bolus.
    var plannedBasalSteps: Int64 = 0
    var pausedSince: ControlInstant?
    /// Volume pushed by priming into the line of the loaded syringe (not given to the patient).
    public internal(set) var primedVolume = Millilitres.zero
    /// A program has started on this pump since a technician last said the line is off the
    /// patient: a syringe changed under a line still in the vein could otherwise be primed into
    /// it (red team, issue 14 F1). Only ``TechnicianCommand/prime(_:lineDisconnected:)`` clears it.
    public internal(set) var lineMayBeConnected = false
    /// The basal (or priming) rate commanded now; a bolus's rate is in ``motion``.
    var currentRate = MillilitresPerHour.zero
    /// The fastest flow commanded in this program (basal plus bolus): the smart-pump cross-check
    /// allows for command latency at this rate.
    var peakRate = MillilitresPerHour.zero
    var deliveryCheck = DeliveryCrossCheck()
    /// Steps a smart pump proved it delivered beyond what the loop commanded (it stops a little
    /// after being told): recorded in the ledger so it never under-counts.
    var smartPumpExcessSteps: Int64 = 0
    /// The monitor's ``SafetyMonitor/uncommandedSteps`` already in the ledger.
    var uncommandedStepsCounted: Int64 = 0
    /// Of those, the steps the basal planner counted as delivered: its lead over the ideal by
    /// that much is the drive's doing, not a planning error.
    var uncommandedInBasal: Int64 = 0
    /// The front panel's STOP key, as the last tick read it: start, resume and prime wait for it.
    public internal(set) var stopKeyHeld = false
    /// The SILENCE key's press count the last tick saw (nil before the first tick).
    var silencePressesSeen: Int64?
    /// The vital-signs interlock (issue 17) and the observations charted by hand, which it
    /// judges with the oximeter's values.
    public internal(set) var vitals = VitalsInterlock()
    public internal(set) var charted = VitalReadings()
    /// Set when a restart brings a vitals stop back: the stop's condition stands until every
    /// watched sign has a value from after this instant inside its bands.
    public internal(set) var vitalsRecheckSince: ControlInstant?
    /// The vital-signs rules of the latest program for this patient, kept after it ends: a vitals
    /// stop is still judged between programs, so a reset with the patient still critical is
    /// refused (red team: stop, reset with SpO2 at 78 % logged the alarm as cleared).
    var lastVitalsRules: VitalsRules?

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

        let occluded = observeConditions(sensors, at: now)
        observeVitals(sensors, at: now)
        readKeys(sensors, at: now)
        if let report = sensors.pumpReport { account(report, commanded: sensors.motorSteps, at: now) }
        switch monitor.observe(sensors, at: now, stepsPerTickLimit: stepsPerTickLimit) {
        case .permit, .capReached, .ledgerBehind: break
        case .stall: alarms.raise(.motorStall, at: now)
        case .runaway: enterFault(raising: .deliveryMismatch, at: now)
        }
        countUncommandedMotion(at: now)
        if alarms.anyStoppingActive, state.movesPlunger || state == .paused {
            stopForAlarm(at: now)
        }
        if occluded, let syringe, state != .fault { beginBackoff(syringe, at: now) }

        let headroom = limits.map { ledger.headroom(under: $0.caps) } ?? .zero
        var steps: Int64 = 0
        writeAheadHeld = false
        switch motion {
        case .delivering:
            steps = plannedForwardSteps(at: now, limit: stepsPerTickLimit, headroom: headroom)
            steps = heldToDurableLedger(steps, durable: sensors.durableLedger)
        case .priming(let planner):
            steps = min(planner.due(at: now, limit: stepsPerTickLimit), syringe?.remainingSteps ?? 0)
        case .backingOff:
            steps = plannedBackoffSteps(at: now, limit: stepsPerTickLimit)
        case .still:
            break
        }

        let verdict =
            if case .priming = motion {
                monitor.reviewPriming(steps: steps, ledger: ledger)
            } else {
                monitor.review(steps: steps, ledger: ledger, at: now)
            }
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
        if case .delivering(let basal, _) = motion, !basal.reachedTarget, !writeAheadHeld {
            let behind = basal.idealSteps(at: now) - Double(basal.deliveredSteps)
            let error = behind >= 0 ? behind : max(0, -behind - Double(uncommandedInBasal))
            if error > worstBasalStepError { worstBasalStepError = error }
        }

        let priming: StepPlanner? = if case .priming(let planner) = motion { planner } else { nil }
        return Actuation(
            motorEnabled: state.movesPlunger || steps != 0,
            steps: steps,
            rate: state.isDelivering ? commandedFlow : priming == nil ? .zero : currentRate,
            volumeLimit: priming.map { Millilitres(Double($0.remainingSteps) / (syringe?.stepsPerMillilitre ?? 1)) }
                ?? volumeLimit(headroom: headroom - picogramsPerStep * max(steps, 0)),
            indicator: alarms.indicator(at: now),
            state: state,
            syringeDiameter: syringe?.innerDiameterMillimetres ?? 0)
    }

    /// Reconciles a smart pump's own count with the ledger, and checks it against the command.
    private mutating func account(_ report: SmartPumpReport, commanded: Int64, at now: ControlInstant) {
        if report.stalled { alarms.raise(.motorStall, at: now) }
        let counted = commanded &+ smartPumpExcessSteps
        if report.confirmedSteps > counted {
            let excess = report.confirmedSteps &- counted
            ledger.record(picogramsPerStep * excess, at: now)
            smartPumpExcessSteps &+= excess
            syringe?.netSteps &+= excess
        }
        let worst = report.confirmedSteps &+ report.unconfirmedSteps
        ledger.setProvisional(picogramsPerStep * max(0, worst &- (commanded &+ smartPumpExcessSteps)))
        let stepsPerSecond = peakRate.value * (syringe?.stepsPerMillilitre ?? 0) / 3_600
        if case .mismatch = deliveryCheck.check(report, fastestStepsPerSecond: stepsPerSecond) {
            alarms.raise(.deliveryMismatch, at: now)
        }
        // A settled baseline owes nothing to the rates before it.
        if deliveryCheck.settled { peakRate = commandedFlow }
    }

    /// The front panel's keys act in the tick, with no socket involved (issue 15): STOP pauses
    /// delivery (and ends a prime) at once and holds it while held; SILENCE pauses the alarm sound
    /// as `silence` does. A key's wiring makes a broken wire read "STOP held" and "SILENCE not
    /// pressed": a fault can stop the pump, never quiet it.
    private mutating func readKeys(_ sensors: SensorSnapshot, at now: ControlInstant) {
        stopKeyHeld = sensors.stopKeyHeld
        if stopKeyHeld {
            if state.isDelivering {
                halt()
                transition(.pause)
                pausedSince = now
            } else if state == .priming {
                halt()
                transition(.stop)
            }
        }
        if let seen = silencePressesSeen, sensors.silenceKeyPresses > seen, alarms.anyActive {
            alarms.pauseAudio(at: now)
        }
        silencePressesSeen = sensors.silenceKeyPresses
    }

    /// Forward motion the encoder saw and nobody commanded is drug too (DESIGN.md rule 10): it is
    /// recorded as soon as it is seen, whatever the state, so the ledger covers even a runaway's
    /// first steps. It cannot be written ahead (it was not planned); it is written at once.
    ///
    /// While a program delivers, it is also the program's progress: the basal planner counts it
    /// as delivered and holds back until its ideal catches up, so a creep below the monitor's
    /// tolerance cannot take the program past what it planned (the physics judge found 2 % more
    /// than planned under a 1 mL/h runaway too slow to be a fault before the program ended).
    private mutating func countUncommandedMotion(at now: ControlInstant) {
        let seen = monitor.uncommandedSteps
        guard seen > uncommandedStepsCounted else { return }
        let excess = seen &- uncommandedStepsCounted
        uncommandedStepsCounted = seen
        ledger.record(picogramsPerStep * excess, at: now)
        syringe?.netSteps &+= excess
        if case .delivering(var basal, var bolus) = motion, let stepsPerMillilitre = syringe?.stepsPerMillilitre {
            // The basal's share first; what the basal no longer owes comes off the bolus under
            // way (found by the judge: a creep during a loading bolus that outlasted its basal).
            let toBasal = bolus == nil ? excess : min(excess, max(0, basal.remainingSteps))
            basal.commit(toBasal)
            bolus?.planner.commit(excess &- toBasal)
            motion = .delivering(basal: basal, bolus: bolus)
            programDeliveredVolume += Millilitres(Double(toBasal) / stepsPerMillilitre)
            uncommandedInBasal &+= toBasal
        }
    }

    /// A tared load cell reads a little below zero from noise and drift; 20 N below zero (about
    /// 270 mmHg of "suction" on a 50 mL plunger) is no physical reading: the sensor has failed.
    static var forceSensorNegativeLimitNewtons: Double { 20 }

    /// The most steps one tick may emit: the driver's maximum rate over the elapsed interval,
    /// rounded up, plus one for the step that a rounding boundary can bring forward.
    private func stepLimit(for interval: ControlDuration) -> Int64 {
        let perNanosecond = Double(settings.mechanics.maximumStepsPerSecond) / 1e9
        return Int64(saturating: Double(interval.nanoseconds) * perNanosecond, rounding: .up) &+ 1
    }

    /// Runs the vital-signs interlock while a program is ready, under way or keeping the vein
    /// open (drug still flows). Between programs nothing is watched — the pump is not a monitor,
    /// and an idle pump that alarms teaches the staff to ignore it — but nothing is forgotten
    /// either: the interlock's clocks and the charts stay until a new patient, so stop, program
    /// and start does not buy a fresh persistence (red team, issue 17).
    private mutating func observeVitals(_ sensors: SensorSnapshot, at now: ControlInstant) {
        if let rules = limits?.vitals { lastVitalsRules = rules }
        let watching = program.map { $0.phase != .finished || state == .keepVeinOpen } ?? false
        guard let rules = lastVitalsRules else {
            // No program yet for this patient: nothing to judge by. A stop a restart brought back
            // holds (its recheck needs the rules of a program).
            alarms.update(.vitalsCritical, conditionPresent: vitalsRecheckSince != nil, at: now)
            quietVitalsReminders(at: now)
            return
        }
        let verdict = vitals.evaluate(rules: rules, oximeter: sensors.oximeter, charted: charted, at: now)
        if let since = vitalsRecheckSince, isFreshAndInside(rules, verdict, oximeter: sensors.oximeter, since: since) {
            vitalsRecheckSince = nil
        }
        let stops = verdict.stopsDelivery || vitalsRecheckSince != nil
        guard watching else {
            // Between programs an existing stop is still judged, so it cannot be reset while the
            // patient is still critical; nothing new is raised: the pump is not a monitor.
            alarms.update(.vitalsCritical, conditionPresent: stops && alarms.isActive(.vitalsCritical), at: now)
            quietVitalsReminders(at: now)
            return
        }
        alarms.update(.vitalsCritical, conditionPresent: stops, at: now)
        alarms.update(.vitalsWarning, conditionPresent: verdict.warning != 0, at: now)
        alarms.update(.vitalsSourceLost, conditionPresent: verdict.sourceLost, at: now)
        alarms.update(.vitalsChartDue, conditionPresent: verdict.chartDue, at: now)
    }

    private mutating func quietVitalsReminders(at now: ControlInstant) {
        alarms.update(.vitalsWarning, conditionPresent: false, at: now)
        alarms.update(.vitalsSourceLost, conditionPresent: false, at: now)
        alarms.update(.vitalsChartDue, conditionPresent: false, at: now)
    }

    /// Every sign the drug watches has a value measured since `since`, and each such value is
    /// inside its bands as it stands — not as the interlock counts it, which waits for a value
    /// to persist: a fresh 78 % must hold the stop, not pass for normal for 15 s (red team).
    private func isFreshAndInside(_ rules: VitalsRules, _ verdict: VitalsVerdict, oximeter: OximeterReport?, since: ControlInstant) -> Bool {
        guard verdict.critical == 0, verdict.warning == 0 else { return false }
        for sign in VitalSign.every {
            guard let band = rules.band(sign) else { continue }
            let fromOximeter = Self.freshLevel(oximeter?.readings[sign], band, since: since)
            let fromChart = Self.freshLevel(charted[sign], band, since: since)
            if fromOximeter == nil && fromChart == nil { return false }
            if (fromOximeter ?? .normal) != .normal || (fromChart ?? .normal) != .normal { return false }
        }
        return true
    }

    /// The level of a value measured after `since`, or nil when there is none.
    private static func freshLevel(_ reading: VitalReading?, _ band: VitalBand, since: ControlInstant) -> VitalLevel? {
        guard let reading, reading.measuredAt > since else { return nil }
        return band.level(of: reading.value)
    }

    /// Reads every condition into its alarm. Returns whether an occlusion was raised this tick
    /// while the plunger was moving forward: the tick then backs off (DESIGN.md rule 7).
    private mutating func observeConditions(_ sensors: SensorSnapshot, at now: ControlInstant) -> Bool {
        // Priming pushes fluid too: an occluded or airy line shows while it runs.
        let delivering = state.movesPlunger
        var occlusionRaised = false
        if let syringe {
            // A reading no syringe can produce blinds occlusion detection: stop rather than guess.
            let force = sensors.plungerForceNewtons
            let forceReadable = force.isFinite && force > -Self.forceSensorNegativeLimitNewtons
            alarms.update(.forceSensorFault, conditionPresent: !forceReadable, at: now)
            lastPressure = syringe.pressure(fromForce: forceReadable ? force : 0)
            let occluded = occlusion.observe(lastPressure, at: now, delivering: delivering)
            occlusionRaised = alarms.update(.occlusion, conditionPresent: occluded, at: now) && delivering
            let pumped = Millilitres(Double(lastForwardSteps) / syringe.stepsPerMillilitre)
            alarms.update(.airInLine, conditionPresent: air.observe(airSeen: sensors.airInLine, pumped: pumped), at: now)
            alarms.update(.syringeDisengaged, conditionPresent: !sensors.syringeClamped, at: now)
            let emptied = sensors.plungerAtEndOfTravel || (delivering && syringe.remainingSteps == 0 && motion.basalRemainingSteps > 0)
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
        alarms.update(.journalLost, conditionPresent: sensors.journalLost, at: now)
        alarms.update(.loopOverrun, conditionPresent: sensors.loopOverran, at: now)
        let pausedTooLong = state == .paused && pausedSince.map { now - $0 >= settings.pausedCallBack } == true
        alarms.update(.pausedTooLong, conditionPresent: pausedTooLong, at: now)
        alarms.update(.infusionComplete, conditionPresent: state == .completed || state == .keepVeinOpen, at: now)
        return occlusionRaised
    }

    private func isNearEmpty(_ syringe: LoadedSyringe) -> Bool {
        guard let limits, currentRate.value > 0 else { return false }
        // Only warn when the program still needs more than the syringe holds.
        guard limits.volume - programDeliveredVolume > syringe.remaining else { return false }
        return syringe.remaining / currentRate <= limits.nearEmptyWarning
    }

    /// DESIGN.md rule 7: release the pressure stored in the line, within a hard bound, at the
    /// drive's rated maximum.
    private mutating func beginBackoff(_ syringe: LoadedSyringe, at now: ControlInstant) {
        var backoff = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
        backoff.limitTarget(toAdditional: Int64(saturating: settings.backoffLimit.value * syringe.stepsPerMillilitre, rounding: .down))
        let ratedMaximum = Double(settings.mechanics.maximumStepsPerSecond) * 3_600 / syringe.stepsPerMillilitre
        backoff.setRate(MillilitresPerHour(ratedMaximum), at: now)
        motion = .backingOff(backoff)
    }

    private mutating func plannedForwardSteps(at now: ControlInstant, limit: Int64, headroom: Picograms) -> Int64 {
        guard let syringe, case .delivering(let basal, let bolus) = motion else { return 0 }
        let basalDue = basal.due(at: now, limit: limit)
        let bolusDue = bolus?.planner.due(at: now, limit: limit &- basalDue) ?? 0
        var steps = min(basalDue &+ bolusDue, syringe.remainingSteps)
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
        guard case .backingOff(var backoff) = motion, lastPressure > settings.backoffReleasePressure else {
            motion = .still
            return 0
        }
        let steps = backoff.due(at: now, limit: limit)
        backoff.commit(steps)
        motion = backoff.reachedTarget ? .still : .backingOff(backoff)
        return -steps
    }

    private mutating func commit(_ steps: Int64, at now: ControlInstant) {
        guard steps != 0 else { return }
        syringe?.netSteps &+= steps
        let stepsPerMillilitre = syringe?.stepsPerMillilitre ?? 1
        switch motion {
        case .priming(var planner):
            // Into a line not on the patient: the ledger counts drug given, not drug moved.
            planner.commit(steps)
            motion = .priming(planner)
            primedVolume += Millilitres(Double(steps) / stepsPerMillilitre)
        case .delivering(var basal, var bolus):
            ledger.record(picogramsPerStep * steps, at: now)
            let basalShare = min(steps, plannedBasalSteps)
            basal.commit(basalShare)
            bolus?.planner.commit(steps &- basalShare)
            motion = .delivering(basal: basal, bolus: bolus)
            programDeliveredVolume += Millilitres(Double(basalShare) / stepsPerMillilitre)
        case .backingOff, .still:
            // Back-off takes volume back into the syringe: the program owes it again. The ledger
            // is not reduced (DESIGN.md rule 5): drug that went forward may be in the patient.
            if steps < 0, program != nil { programDeliveredVolume += Millilitres(Double(steps) / stepsPerMillilitre) }
        }
    }

    /// Moves between running, bolus, complete and stopped as the counts require.
    private mutating func advanceProgramPhase(at now: ControlInstant) {
        if alarms.isActive(.doseLimitReached), state.isDelivering {
            stopForAlarm(at: now)
            return
        }
        switch motion {
        case .priming(let planner) where planner.reachedTarget:
            motion = .still
            currentRate = .zero
            transition(.primeFinished)
        case .delivering(let basal, let bolus):
            if let bolus, bolus.planner.reachedTarget {
                motion = .delivering(basal: basal, bolus: nil)
                transition(.bolusFinished)
            }
            if state == .running || state == .bolus, basal.reachedTarget, motion.bolus == nil {
                completeProgram(at: now)
            }
        default:
            break
        }
    }

    /// The basal target is reached: the program is finished (never startable again), and the
    /// pump either stops or keeps the vein open at the library's rate.
    private mutating func completeProgram(at now: ControlInstant) {
        let keepVeinOpenRate = limits?.keepVeinOpenRate ?? .zero
        transition(.programComplete(keepVeinOpen: keepVeinOpenRate.value > 0))
        program?.phase = .finished
        if keepVeinOpenRate.value > 0, let syringe {
            var basal = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
            basal.setRate(keepVeinOpenRate, at: now)
            motion = .delivering(basal: basal, bolus: nil)
            currentRate = keepVeinOpenRate
            peakRate = max(peakRate, keepVeinOpenRate)
        } else {
            halt()
        }
    }

    /// Stops every forward motion (a back-off under way carries on: it only releases pressure).
    mutating func halt() {
        if !motion.isBackingOff { motion = .still }
        currentRate = .zero
    }

    private mutating func stopForAlarm(at now: ControlInstant) {
        halt()
        pausedSince = nil
        transition(.alarmStop)
    }

    private mutating func enterFault(raising alarm: AlarmID, at now: ControlInstant) {
        alarms.raise(alarm, at: now)
        motion = .still
        currentRate = .zero
        transition(.fault)
    }

    private mutating func transition(_ event: StateEvent) {
        if let next = state.after(event) { state = next }
    }

    /// The forward flow commanded now, basal and bolus together: what the journal must stay
    /// ahead of (DESIGN.md rule 5), and what a smart pump is told to run (its rate and volume
    /// limit cover the bolus too, or its own count falls behind the loop's: issue 14, finding 3).
    /// Zero when not delivering.
    public var commandedFlow: MillilitresPerHour {
        guard state.isDelivering, case .delivering(_, let bolus) = motion else { return .zero }
        return currentRate + (bolus?.rate ?? .zero)
    }

    /// The plunger's rate while priming the line (zero otherwise): fluid moved, no drug given.
    public var commandedPrimingRate: MillilitresPerHour {
        if case .priming = motion { return currentRate }
        return .zero
    }

    /// Whether the loaded syringe's line is on the patient (``LoadedSyringe/patientConcentration``).
    public var lineOnPatient: Bool { syringe?.isOnPatient == true }

    /// Drug per forward step of the loaded syringe and program (rounded up, so never under-counts).
    public var drugPerStep: Picograms { picogramsPerStep }

    /// The caps in force for the current program (nil without one).
    public var capsInForce: DoseCaps? { limits?.caps }

    /// Keeps the accuracy record across a simulated restart, so a run reports its worst case.
    public mutating func carryWorstStepError(_ previous: Double) {
        worstBasalStepError = max(worstBasalStepError, previous)
    }

    /// Rebuilds the per-syringe counters after a syringe or program change. Drug per step follows
    /// the program, or, with none, the drug the line on the patient carries: motion with no program
    /// is still drug while the line is on the patient (DESIGN.md rule 10).
    mutating func rearmForSyringe(at now: ControlInstant) {
        guard let syringe else { return }
        if !motion.isBackingOff { motion = .still }
        currentRate = .zero
        if let concentration = limits?.concentration ?? syringe.patientConcentration {
            picogramsPerStep = Picograms(roundingUp: Milligrams(concentration.value / syringe.stepsPerMillilitre))
        } else {
            picogramsPerStep = .zero
        }
        monitor.arm(caps: limits?.caps, picogramsPerStep: picogramsPerStep)
    }

    /// Starts (or resumes) basal delivery: the target is what the program still needs. The line
    /// is on the patient from here until the syringe is unloaded.
    mutating func beginDelivery(at now: ControlInstant, bolus loading: BolusPlan? = nil) {
        guard let syringe, let limits else { return }
        if !syringe.isOnPatient {
            self.syringe?.patientConcentration = limits.concentration
        }
        lineMayBeConnected = true
        let remaining = max(0, limits.volume.value - programDeliveredVolume.value)
        var basal = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
        basal.limitTarget(toAdditional: Int64(saturating: remaining * syringe.stepsPerMillilitre, rounding: .down))
        basal.setRate(limits.rate, at: now)
        occlusion.reset(at: now)
        currentRate = limits.rate
        uncommandedInBasal = 0
        motion = .delivering(basal: basal, bolus: loading.map { bolusMotion($0, syringe: syringe, at: now) })
        peakRate = max(peakRate, limits.rate + (loading?.rate ?? .zero))
    }

    /// Starts a bolus on top of the running basal rate.
    mutating func beginBolus(_ plan: BolusPlan, at now: ControlInstant) {
        guard let syringe, case .delivering(let basal, _) = motion else { return }
        motion = .delivering(basal: basal, bolus: bolusMotion(plan, syringe: syringe, at: now))
        peakRate = max(peakRate, currentRate + plan.rate)
    }

    private func bolusMotion(_ plan: BolusPlan, syringe: LoadedSyringe, at now: ControlInstant) -> BolusMotion {
        var planner = StepPlanner(stepsPerMillilitre: syringe.stepsPerMillilitre)
        planner.setRate(plan.rate, at: now)
        planner.limitTarget(toAdditional: Int64(saturating: plan.volume.value * syringe.stepsPerMillilitre, rounding: .down))
        return BolusMotion(planner: planner, rate: plan.rate)
    }

    /// What the caps, the program and the syringe still allow: a smart pump's own volume limit.
    /// A bolus under way adds what it still has to give.
    func volumeLimit(headroom: Picograms) -> Millilitres {
        guard let limits, let syringe else { return .zero }
        let allowed = max(.zero, headroom).milligrams / limits.concentration
        let bolusRemaining = motion.bolus.map { Millilitres(Double($0.planner.remainingSteps) / syringe.stepsPerMillilitre) } ?? .zero
        let programRemaining = max(.zero, limits.volume - programDeliveredVolume) + bolusRemaining
        return min(allowed, min(programRemaining, syringe.remaining))
    }
}
