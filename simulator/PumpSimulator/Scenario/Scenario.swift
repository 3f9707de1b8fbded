import InfusionCore

/// A scripted run of the simulated pump: the syringe, patient, program, timed events, and what
/// must be true at the end. The format is documented in `docs/simulator.md`.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    public var tick: ControlDuration
    public var runFor: ControlDuration
    public var encoderFitted: Bool
    public var syringe: SyringeSpec
    /// Fluid drawn into the first syringe (what the technician declares).
    public var fill: Millilitres
    /// Fluid actually in it, when a scenario makes the two differ (a syringe running empty early).
    public var actualFill: Millilitres?
    public var line: LineModel
    public var program: ProgramRequest?
    /// Load, program and start at time zero (the default); false leaves it to events.
    public var autoStart: Bool
    public var events: [ScenarioEvent]
    public var expectations: ScenarioExpectations
    /// The patient's vital signs at the start (`[patient] vitals`); with it, or with any vitals
    /// event, an oximeter is on the patient's finger (issue 17).
    public var vitals: PerSign<Double>?
    /// Observations the clinic requires charted beyond the library (`[vitals] require`).
    public var requireCharted: Set<VitalSign> = []
    /// A patient whose vital signs follow the ketamine given (`[patient] ketamine = "domino"`):
    /// the resting values are `vitals`; the drug moves them.
    public var ketamineResponse: KetamineResponse?

    public init(
        name: String, description: String, tick: ControlDuration, runFor: ControlDuration, encoderFitted: Bool,
        syringe: SyringeSpec, fill: Millilitres, actualFill: Millilitres?, line: LineModel, program: ProgramRequest?,
        autoStart: Bool, events: [ScenarioEvent], expectations: ScenarioExpectations
    ) {
        self.name = name
        self.description = description
        self.tick = tick
        self.runFor = runFor
        self.encoderFitted = encoderFitted
        self.syringe = syringe
        self.fill = fill
        self.actualFill = actualFill
        self.line = line
        self.program = program
        self.autoStart = autoStart
        self.events = events
        self.expectations = expectations
    }
}

/// One timed event: a technician command or a fault, with what the command should meet.
public struct ScenarioEvent: Sendable {
    public enum Action: Sendable {
        case command(ScenarioCommand)
        case fault(ScenarioFault)
    }

    public enum ExpectedOutcome: String, Sendable {
        case accepted, refused
    }

    public var at: ControlDuration
    public var action: Action
    public var expect: ExpectedOutcome?
    /// Where in the file the event is, for messages ("event 3").
    public var label: String

    public init(at: ControlDuration, action: Action, expect: ExpectedOutcome?, label: String) {
        self.at = at
        self.action = action
        self.expect = expect
        self.label = label
    }
}

public enum ScenarioCommand: Sendable, CustomStringConvertible {
    case loadSyringe(SyringeSpec, fill: Millilitres)
    case unloadSyringe
    /// The scenario's program; with `weight`, the same program for a patient of that weight.
    case program(weight: Kilograms?)
    case start, pause, resume, stop, silence, reset
    case bolus(MilligramsPerKilogram, confirm: Bool)
    case acknowledge(AlarmID?)
    case prime(Millilitres, lineDisconnected: Bool = false)
    case newPatient(weight: Kilograms, id: String?)
    /// A nurse charts observations: these values, or (nil) the patient's own blood pressure and
    /// respiratory rate as they are now.
    case chart(PerSign<Double>?)

    public var description: String {
        switch self {
        case .loadSyringe(let spec, let fill): "load_syringe \(spec.name) \(fill)"
        case .unloadSyringe: "unload_syringe"
        case .program(let weight): "program" + (weight.map { " for \($0)" } ?? "")
        case .start: "start"
        case .pause: "pause"
        case .resume: "resume"
        case .stop: "stop"
        case .silence: "silence"
        case .reset: "reset"
        case .bolus(let dose, _): "bolus \(dose)"
        case .acknowledge(let id): "ack \(id?.name ?? "all")"
        case .prime(let volume, let disconnected): "prime \(volume)" + (disconnected ? " line disconnected" : "")
        case .newPatient(let weight, let id): "new_patient \(weight)" + (id.map { " id \($0)" } ?? "")
        case .chart: "chart"
        }
    }
}

public enum ScenarioFault: Sendable, CustomStringConvertible {
    case occlusion, clearOcclusion
    case air(Millilitres)
    case stall, clearStall
    case runaway(MillilitresPerHour), clearRunaway
    case encoderFailure
    case forceSensorFailure
    case disengage, engage
    case linkLost, linkRestored
    case journalFailure, journalRestored
    /// The journal found lost at start, and its acceptance by an admin.
    case journalLost, journalAccepted
    /// The front panel: STOP pressed and held, released; SILENCE pressed once.
    case stopKey, stopKeyReleased, silenceKey
    case loopOverrun, loopRecovered
    /// The controller process dies and restarts from its persisted state; the pump hardware stays.
    case restart
    /// The patient's vital signs become these (the oximeter shows SpO2 and heart rate from the
    /// next line; blood pressure and breathing are seen when charted).
    case vitals(PerSign<Double>)
    /// The oximeter falls silent (cable out), and speaks again.
    case vitalsLost, vitalsRestored

    public var description: String {
        switch self {
        case .occlusion: "occlusion"
        case .clearOcclusion: "clear_occlusion"
        case .air(let volume): "air \(volume)"
        case .stall: "stall"
        case .clearStall: "clear_stall"
        case .runaway(let rate): "runaway \(rate)"
        case .clearRunaway: "clear_runaway"
        case .encoderFailure: "encoder_failure"
        case .forceSensorFailure: "force_sensor_failure"
        case .disengage: "disengage"
        case .engage: "engage"
        case .linkLost: "link_lost"
        case .linkRestored: "link_restored"
        case .journalFailure: "journal_failure"
        case .journalRestored: "journal_restored"
        case .journalLost: "journal_lost"
        case .journalAccepted: "journal_accepted"
        case .stopKey: "stop_key"
        case .stopKeyReleased: "stop_key_released"
        case .silenceKey: "silence_key"
        case .loopOverrun: "loop_overrun"
        case .loopRecovered: "loop_recovered"
        case .restart: "restart"
        case .vitals: "vitals"
        case .vitalsLost: "vitals_lost"
        case .vitalsRestored: "vitals_restored"
        }
    }
}

/// What must hold when the run ends. Every field is optional; a scenario checks what it names.
public struct ScenarioExpectations: Sendable {
    public struct AlarmExpectation: Sendable {
        public var id: AlarmID
        /// Raised at or before this time.
        public var by: ControlDuration?
        /// Raised no earlier than this.
        public var after: ControlDuration?
    }

    public var finalState: InfusionState?
    /// Whether the alarm sound is paused at the end (SILENCE or `silence` within its 2 minutes).
    public var finalAudioPaused: Bool?
    public var deliveredDrug: ClosedRange<Double>?
    public var deliveredVolume: ClosedRange<Double>?
    public var alarms: [AlarmExpectation] = []
    /// Alarms that must never be raised.
    public var forbiddenAlarms: [AlarmID] = []
    /// When true, no alarm outside `alarms` may be raised.
    public var onlyListedAlarms = false
    public var maximumPostOcclusionBolus: Millilitres?
    /// What the patient's signs must stay below (`patient_peak_below`) and above
    /// (`patient_trough_above`) for the whole run.
    public var patientPeakBelow = PerSign<Double>()
    public var patientTroughAbove = PerSign<Double>()

    public init() {}
}

/// How a ketamine patient responds (``KetaminePatient``): `sensitivity` scales the heart rate and
/// blood pressure rise, `sedation` the fall of SpO2 and breathing.
public struct KetamineResponse: Sendable, Equatable {
    public var sensitivity: Double
    public var sedation: Double

    public init(sensitivity: Double = 1, sedation: Double = 0) {
        self.sensitivity = sensitivity
        self.sedation = sedation
    }
}
