import ControlProtocol
import InfusionCore
import Synchronization

/// What a status report is made of, in plain numbers the loop can copy without allocating. The
/// loop leaves one after every period; the socket thread turns it into a ``StatusReport``, so
/// any number of watchers costs the loop thread nothing but this copy. NaN stands for "none".
public struct StatusSnapshot: Sendable {
    var stateCode: UInt16 = 0
    var rateMlPerH = 0.0
    var deliveredMl = 0.0
    var deliveredMg = 0.0
    var timeRemainingS = Double.nan
    var syringeRemainingMl = Double.nan
    var pressureMmHg = 0.0
    var activeAlarms: UInt32 = 0
    var acknowledgedAlarms: UInt32 = 0
    var audioPaused = false
    var ledgerMg = 0.0
    var programLedgerMg = 0.0
    var simulatorDeliveredMl = Double.nan
    var primedMl = Double.nan
    var controlNanoseconds: Int64 = 0
    var lastHourMg = 0.0
    var lastFourHoursMg = 0.0
    var lastDayMg = 0.0
    /// Per ``VitalSign``: the freshest value (NaN: none), when it was measured, its source and
    /// how the interlock counts it (``VitalLevel``).
    var vitalValues = InlineArray<5, Double>(repeating: .nan)
    var vitalMeasuredAt = InlineArray<5, Int64>(repeating: 0)
    var vitalSources = InlineArray<5, UInt8>(repeating: 0)
    var vitalLevels = InlineArray<5, UInt8>(repeating: 0)
}

/// The words of a status report, which change only when a command is handled (never in a
/// period): the program as accepted and the syringe's name.
public struct StatusDescriptors: Sendable {
    var program: StatusReport.Program?
    var syringe: String?
    var patient: StatusReport.Patient?
    var lineOnPatient = false
}

/// The loop's status, for other threads to read. The loop writes with `withLockIfAvailable`
/// only, so a reader copying out can cost it at most one period's update, never a wait; readers
/// hold each lock for a struct copy.
public final class LoopStatusBoard: Sendable {
    let snapshot = Mutex(StatusSnapshot())
    let descriptors = Mutex(StatusDescriptors())

    public init() {}

    /// The latest status, built on the caller's thread.
    public func report() -> StatusReport {
        let numbers = snapshot.withLock { $0 }
        let words = descriptors.withLock { $0 }
        func optional(_ value: Double) -> Double? { value.isNaN ? nil : value }
        let alarms = AlarmID.allCases.filter { numbers.activeAlarms & (1 << UInt32($0.rawValue)) != 0 }.map { id in
            StatusReport.Alarm(
                id: id.name, priority: StatusReport.Alarm.Priority(id.priority),
                acknowledged: numbers.acknowledgedAlarms & (1 << UInt32(id.rawValue)) != 0)
        }
        var report = StatusReport(
            state: InfusionState(code: numbers.stateCode)?.wireName ?? "unknown", rateMlPerH: numbers.rateMlPerH,
            program: words.program, deliveredMl: numbers.deliveredMl, deliveredMg: numbers.deliveredMg,
            timeRemainingS: optional(numbers.timeRemainingS), syringeRemainingMl: optional(numbers.syringeRemainingMl),
            pressureMmHg: numbers.pressureMmHg, alarms: alarms, audioPaused: numbers.audioPaused)
        report.syringe = words.syringe
        report.patient = words.patient
        report.lineOnPatient = words.lineOnPatient
        report.ledgerMg = numbers.ledgerMg
        report.programLedgerMg = numbers.programLedgerMg
        report.simulatorDeliveredMl = optional(numbers.simulatorDeliveredMl)
        report.primedMl = optional(numbers.primedMl)
        report.controlTimeS = Double(numbers.controlNanoseconds) / 1e9
        report.lastHourMg = numbers.lastHourMg
        report.lastFourHoursMg = numbers.lastFourHoursMg
        report.lastDayMg = numbers.lastDayMg
        let vitals = VitalSign.allCases.compactMap { sign -> StatusReport.Vital? in
            let value = numbers.vitalValues[sign.rawValue]
            guard !value.isNaN else { return nil }
            let level = VitalLevel(rawValue: Int(numbers.vitalLevels[sign.rawValue])) ?? .normal
            return StatusReport.Vital(
                sign: sign.name, value: value, unit: sign.unit, source: (VitalSource(rawValue: Int(numbers.vitalSources[sign.rawValue])) ?? .oximeter).description,
                ageS: Double(numbers.controlNanoseconds - numbers.vitalMeasuredAt[sign.rawValue]) / 1e9,
                level: level == .critical ? "critical" : level == .warning ? "warning" : "normal")
        }
        report.vitals = vitals.isEmpty ? nil : vitals
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
