/// A command from the technician, already parsed; the controller decides if the state allows it.
public enum TechnicianCommand: Hashable, Sendable, CustomStringConvertible {
    /// `fill` is the volume drawn into the syringe, which bounds what it can deliver.
    case loadSyringe(SyringeSpec, fill: Millilitres)
    case unloadSyringe
    /// Moves the plunger `volume` forward at the priming rate to fill the line, before any
    /// program: not counted as given to the patient. `lineDisconnected` is the technician's word
    /// that the line is off the patient, which a prime needs once a program has started on this
    /// pump (PATIENT-005): the syringe may have been changed under a line still in the vein.
    case prime(Millilitres, lineDisconnected: Bool = false)
    /// A plan from ``ProgramValidator``; only `.accepted` plans exist, so limits were checked.
    case program(InfusionPlan)
    case start
    case pause
    case resume
    case stop
    case bolus(MilligramsPerKilogram, confirmSoftLimits: Bool)
    case acknowledge(AlarmID?)
    case silence
    case reset
    /// A new patient (DESIGN.md rule 10): the caps count from nothing for them. Refused while a
    /// program is under way or the line is on the patient. The present patient's own id is a
    /// corrected weight instead: the drug they have had still counts (PATIENT-006).
    case newPatient(weight: Kilograms, id: String?)
    /// Observations a nurse charted (issue 17): blood pressure from a cuff, a counted respiratory
    /// rate, and any other sign measured by hand, each stamped when the command is applied.
    case chart(VitalReadings)

    public var description: String {
        switch self {
        case .loadSyringe(let syringe, let fill): "load-syringe \(syringe.name) \(fill)"
        case .unloadSyringe: "unload-syringe"
        case .prime(let volume, let disconnected): "prime \(volume)" + (disconnected ? " line disconnected" : "")
        case .program(let plan): "program \(plan.drug.name) \(plan.concentration) \(plan.dose) for \(ControlDuration(plan.duration))"
        case .start: "start"
        case .pause: "pause"
        case .resume: "resume"
        case .stop: "stop"
        case .bolus(let dose, _): "bolus \(dose)"
        case .acknowledge(let id): "ack \(id?.name ?? "all")"
        case .silence: "silence"
        case .reset: "reset"
        case .newPatient(let weight, let id): "new-patient \(weight)" + (id.map { " id \($0)" } ?? "")
        case .chart(let readings):
            "vitals " + VitalSign.allCases.compactMap { sign in readings[sign].map { "\(sign.name) \(VitalReadings.format($0.value))\(sign.unit)" } }.joined(separator: " ")
        }
    }
}

/// Why a command was refused; carries what was asked, the limit, and the rule.
public struct CommandRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        /// The state machine has no such transition from here.
        case wrongState(InfusionState)
        /// Alarms that forbid this command are active (DESIGN.md rule 6: no bolus in alarm).
        case alarmActive([AlarmID])
        /// Hard limits crossed.
        case limit([LimitFinding])
        /// Soft limits crossed without confirmation.
        case needsConfirmation([LimitFinding])
        /// Alarms whose condition is still present cannot be reset.
        case conditionPersists([AlarmID])
        case noActiveAlarm
        /// A safety rule forbids it here, for a reason the state alone does not say: the line is
        /// on the patient, the program was given already, the patient weighs something else.
        case rule(String, reason: String)
    }

    public let code: Code
    public let command: String

    public init(_ code: Code, command: String) {
        self.code = code
        self.command = command
    }

    public var description: String {
        switch code {
        case .wrongState(let state): "\(command) is not possible while \(state)"
        case .alarmActive(let alarms): "\(command) refused: alarm active (\(alarms.map(\.name).joined(separator: ", ")))"
        case .limit(let findings): "\(command) refused: " + findings.map(\.description).joined(separator: "; ")
        case .needsConfirmation(let findings):
            "\(command) needs confirmation: " + findings.map(\.description).joined(separator: "; ")
        case .conditionPersists(let alarms):
            "\(command) refused: condition still present (\(alarms.map(\.name).joined(separator: ", ")))"
        case .noActiveAlarm: "\(command): no active alarm"
        case .rule(let rule, let reason): "\(command) refused: \(reason) (\(rule))"
        }
    }
}
