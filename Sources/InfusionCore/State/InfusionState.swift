/// Where the pump is in an infusion. Every change goes through ``InfusionState/after(_:)``; a
/// command that does not fit the state is refused with the state named, never silently ignored.
public enum InfusionState: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case noSyringe = "no syringe"
    case syringeLoaded = "syringe loaded"
    case programmed
    /// Filling the line before the patient is connected: the plunger moves, no drug is counted
    /// as given. Only from `syringe loaded`, with no program, so no patient is on the line.
    case priming
    case running
    case paused
    case bolus
    case keepVeinOpen = "KVO"
    case completed
    case stoppedByAlarm = "stopped by alarm"
    case fault

    public var description: String { rawValue }

    /// States in which the motor may be driven forward.
    public var isDelivering: Bool { self == .running || self == .bolus || self == .keepVeinOpen }

    /// States in which the plunger moves forward: delivery, and priming the line.
    public var movesPlunger: Bool { isDelivering || self == .priming }

    /// States a started program can be left in mid-way: delivering, paused, stopped by an alarm,
    /// or stopped by the safety monitor's fault. A restart from any of them must come back stopped
    /// and alarmed (DESIGN.md rule 4); `fault` was missing once, found by the property run. A
    /// restart from `fault` stays in `fault`, which only unloading the syringe leaves: the patient
    /// is then off the pump whose motor the safety monitor condemned.
    public var leavesAProgramUnderWay: Bool {
        isDelivering || self == .paused || self == .stoppedByAlarm || self == .fault
    }

    /// Whether a syringe is in the clamp, as far as the controller has been told.
    public var hasSyringe: Bool { self != .noSyringe }

    /// The state after `event`, or nil when the event is not allowed here.
    public func after(_ event: StateEvent) -> InfusionState? {
        switch (self, event) {
        case (.noSyringe, .loadSyringe(let programInProgress)): programInProgress ? .paused : .syringeLoaded
        case (.syringeLoaded, .unloadSyringe), (.programmed, .unloadSyringe), (.completed, .unloadSyringe),
            (.paused, .unloadSyringe), (.stoppedByAlarm, .unloadSyringe), (.fault, .unloadSyringe):
            .noSyringe
        case (.noSyringe, .newPatient): .noSyringe
        case (.syringeLoaded, .newPatient), (.programmed, .newPatient), (.completed, .newPatient): .syringeLoaded
        case (.syringeLoaded, .program), (.programmed, .program), (.completed, .program): .programmed
        case (.syringeLoaded, .prime): .priming
        case (.priming, .primeFinished), (.priming, .stop): .syringeLoaded
        case (.programmed, .start(let withBolus)): withBolus ? .bolus : .running
        case (.running, .pause), (.bolus, .pause), (.keepVeinOpen, .pause): .paused
        case (.paused, .resume): .running
        case (.running, .bolusStarted): .bolus
        case (.bolus, .bolusFinished): .running
        case (.running, .programComplete(let keepVeinOpen)), (.bolus, .programComplete(let keepVeinOpen)):
            keepVeinOpen ? .keepVeinOpen : .completed
        case (.running, .stop), (.paused, .stop), (.bolus, .stop), (.keepVeinOpen, .stop), (.stoppedByAlarm, .stop),
            (.programmed, .stop):
            .syringeLoaded
        case (.priming, .alarmStop), (.running, .alarmStop), (.paused, .alarmStop), (.bolus, .alarmStop), (.keepVeinOpen, .alarmStop),
            (.stoppedByAlarm, .alarmStop):
            .stoppedByAlarm
        case (.stoppedByAlarm, .reset(let programInProgress)): programInProgress ? .paused : .syringeLoaded
        case (_, .fault): .fault
        default: nil
        }
    }
}

/// What can happen to the state machine: technician commands and the controller's own findings.
public enum StateEvent: Hashable, Sendable, CustomStringConvertible {
    case loadSyringe(programInProgress: Bool)
    case unloadSyringe
    case program
    case prime
    case primeFinished
    case start(withBolus: Bool)
    case pause
    case resume
    case stop
    case bolusStarted
    case bolusFinished
    case programComplete(keepVeinOpen: Bool)
    case alarmStop
    case reset(programInProgress: Bool)
    case fault
    /// A new patient (or a corrected weight): drops a program not yet under way.
    case newPatient

    public var description: String {
        switch self {
        case .loadSyringe: "load syringe"
        case .unloadSyringe: "unload syringe"
        case .program: "program"
        case .prime: "prime"
        case .primeFinished: "prime finished"
        case .start: "start"
        case .pause: "pause"
        case .resume: "resume"
        case .stop: "stop"
        case .bolusStarted: "bolus"
        case .bolusFinished: "bolus finished"
        case .programComplete: "program complete"
        case .alarmStop: "alarm stop"
        case .reset: "reset"
        case .fault: "fault"
        case .newPatient: "new patient"
        }
    }
}
