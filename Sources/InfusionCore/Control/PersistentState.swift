/// Everything the controller needs to come back after a restart exactly as it was, stopped, with
/// its alarms (DESIGN.md rule 4). The journal keeps it; the simulator hands it across a `restart`.
///
/// It once held less than the state: only "was infusing". A completed program then came back
/// startable, a loading bolus came back owed, a `fault` came back as an ordinary stop, and every
/// latched alarm but `restarted_during_infusion` was forgotten (issue 14, findings 2 and 7).
public struct PersistentState: Sendable {
    public var ledger: DoseLedger
    public var state: InfusionState
    public var alarms: LatchedAlarms
    public var patient: Patient?
    public var syringeSpec: SyringeSpec?
    /// With its net steps and, once started, the drug on the patient's line.
    public var syringe: LoadedSyringe?
    /// With its phase and whether its loading bolus has begun.
    public var program: ActiveProgram?
    public var programDeliveredVolume: Millilitres
    public var primedVolume: Millilitres
    /// ``InfusionController/lineMayBeConnected``.
    public var lineMayBeConnected: Bool
    /// The observations charted for this patient: a charted 190/100 still counts after a restart
    /// (red team, issue 17: it was forgotten across kill -9 and the next program ran).
    public var charted = VitalReadings()
    /// What the oximeter last showed, band by band: a sign it last showed beyond one counts at once
    /// after the restart (third red team, issue 17).
    public var oximeterMemory = OximeterMemory()

    public init(
        ledger: DoseLedger, state: InfusionState, alarms: LatchedAlarms, patient: Patient?, syringeSpec: SyringeSpec?,
        syringe: LoadedSyringe?, program: ActiveProgram?, programDeliveredVolume: Millilitres, primedVolume: Millilitres,
        lineMayBeConnected: Bool, charted: VitalReadings = VitalReadings(), oximeterMemory: OximeterMemory = OximeterMemory()
    ) {
        self.lineMayBeConnected = lineMayBeConnected
        self.charted = charted
        self.oximeterMemory = oximeterMemory
        self.ledger = ledger
        self.state = state
        self.alarms = alarms
        self.patient = patient
        self.syringeSpec = syringeSpec
        self.syringe = syringe
        self.program = program
        self.programDeliveredVolume = programDeliveredVolume
        self.primedVolume = primedVolume
    }

    /// A started program was left mid-way: a restart raises `restarted_during_infusion`.
    public var wasInfusing: Bool {
        program?.phase == .underWay || state.isDelivering || state == .fault
    }

    /// The state a restart comes back in: never moving (rule 4). Delivery, a pause or an alarm
    /// stop mid-program come back stopped by the alarm; `fault` stays `fault`; priming (a line not
    /// on a patient) comes back loaded; the rest come back as they were.
    public var restartState: InfusionState {
        guard syringe != nil else { return .noSyringe }
        switch state {
        case .noSyringe: return program == nil ? .syringeLoaded : .programmed
        case .priming: return .syringeLoaded
        case .running, .bolus, .keepVeinOpen, .paused, .stoppedByAlarm: return .stoppedByAlarm
        case .syringeLoaded, .programmed, .completed, .fault: return state
        }
    }
}

extension InfusionController {
    /// What survives a restart (``PersistentState``).
    public var persistentState: PersistentState {
        PersistentState(
            ledger: ledger, state: state, alarms: alarms.latched, patient: patient, syringeSpec: syringeSpec, syringe: syringe,
            program: program, programDeliveredVolume: programDeliveredVolume, primedVolume: primedVolume,
            lineMayBeConnected: lineMayBeConnected, charted: charted, oximeterMemory: vitals.oximeterMemory)
    }

    /// Raises an alarm the daemon found outside the tick: a journal that had to be moved aside at
    /// start, whose totals are therefore unknown. It latches like any high alarm.
    public mutating func raiseAtStart(_ alarm: AlarmID, at now: ControlInstant) {
        alarms.raise(alarm, at: now)
        if alarm.stopsDelivery, state.movesPlunger { state = .stoppedByAlarm }
    }

    /// Rebuilds a controller after a restart. It never resumes by itself (DESIGN.md rule 4): it
    /// comes back in ``PersistentState/restartState`` with every latched alarm it had, and with
    /// "restarted during infusion" raised when a program was under way.
    public init(restoring saved: PersistentState, settings: ControllerSettings, at now: ControlInstant) {
        self.init(settings: settings, startingAt: now)
        ledger = saved.ledger
        ledger.advance(to: now)
        seedMonitor(from: saved.ledger)
        alarms = AlarmSystem(restoring: saved.alarms)
        patient = saved.patient
        program = saved.program
        limits = saved.program?.limits
        programDeliveredVolume = saved.programDeliveredVolume
        primedVolume = saved.primedVolume
        lineMayBeConnected = saved.lineMayBeConnected || saved.syringe?.isOnPatient == true
        syringe = saved.syringe
        syringeSpec = saved.syringeSpec
        state = saved.restartState
        if syringe != nil { rearmForSyringe(at: now) }
        if saved.wasInfusing { alarms.raise(.restartedDuringInfusion, at: now) }
        // The charts and the oximeter's last levels are kept; the interlock's clocks are not, so
        // each sign's first value beyond a band counts at once, and so does one last seen beyond. A vitals stop is kept and holds until every watched sign has a
        // fresh value inside its bands (red team, issue 17: a charted 190/100 was forgotten
        // across kill -9, and reset and resume went through).
        charted = saved.charted
        vitals = .afterRestart(remembering: saved.oximeterMemory, at: now)
        if alarms.isActive(.vitalsCritical) { vitalsRecheckSince = now }
    }

    /// Gives the safety monitor the persisted ledger as its starting tally after a restart.
    mutating func seedMonitor(from ledger: DoseLedger) {
        monitor.seed(from: ledger)
    }
}
