import ControlProtocol
import InfusionCore

/// What the journal keeps of the pump between runs, besides the ledger (which has its own
/// records): everything ``PersistentState`` holds, in words a person can read in the database.
///
/// The program is kept as text, not as a validated plan, so that a restart validates it again
/// against the drug library then in force: a plan is never trusted across a change of library.
public struct SavedProgress: Codable, Hashable, Sendable {
    public struct SavedPatient: Codable, Hashable, Sendable {
        public var weightKg: Double
        public var id: String?
        public var number: Int64

        public init(weightKg: Double, id: String?, number: Int64) {
            self.weightKg = weightKg
            self.id = id
            self.number = number
        }
    }

    public struct SavedAlarm: Codable, Hashable, Sendable {
        public var name: String
        public var raisedControlNs: Int64
        public var acknowledged: Bool

        public init(name: String, raisedControlNs: Int64, acknowledged: Bool) {
            self.name = name
            self.raisedControlNs = raisedControlNs
            self.acknowledged = acknowledged
        }
    }

    /// One charted observation: the sign's name, its value and when it was measured.
    public struct SavedObservation: Codable, Hashable, Sendable {
        public var sign: String
        public var value: Double
        public var measuredControlNs: Int64

        public init(sign: String, value: Double, measuredControlNs: Int64) {
            self.sign = sign
            self.value = value
            self.measuredControlNs = measuredControlNs
        }
    }

    public var syringe: String?
    public var fillMl: Double?
    public var netSteps: Int64
    /// The drug the loaded syringe was started with: its line is on the patient (rule 10).
    public var patientConcentrationMgPerMl: Double?
    public var primedMl: Double
    /// ``InfusionController/lineMayBeConnected``; absent in a journal from before it existed,
    /// and then taken as true (a prime asks for the technician's word once more).
    public var lineMayBeConnected: Bool?
    public var program: ProgramArguments?
    public var programNumber: Int64
    /// ``ActiveProgram/Phase``'s raw value: a program is given once, across restarts too.
    public var programPhase: String?
    public var loadingBolusBegun: Bool
    public var programDeliveredMl: Double
    public var patient: SavedPatient?
    /// The state as the wire names it (``InfusionState/wireName``).
    public var state: String
    /// The latched alarms, which a restart keeps (DESIGN.md rule 4).
    public var alarms: [SavedAlarm]
    /// The observations charted for this patient (issue 17); absent in a journal from before.
    public var charted: [SavedObservation]?
    /// The signs the oximeter last showed beyond their warning band / their critical band, by
    /// name (``OximeterMemory``); absent in a journal from before.
    public var oximeterBeyondWarning: [String]?
    public var oximeterCritical: [String]?

    public static let empty = SavedProgress(
        syringe: nil, fillMl: nil, netSteps: 0, patientConcentrationMgPerMl: nil, primedMl: 0, lineMayBeConnected: false, program: nil, programNumber: 0,
        programPhase: nil, loadingBolusBegun: false, programDeliveredMl: 0, patient: nil, state: InfusionState.noSyringe.wireName,
        alarms: [])

    /// A started program was left mid-way (``PersistentState/wasInfusing``).
    public var wasInfusing: Bool {
        let state = InfusionState(wireName: state)
        return programPhase == ActiveProgram.Phase.underWay.rawValue || state?.isDelivering == true || state == .fault
    }

    /// The latched alarms as the core keeps them; names this build does not know are dropped
    /// and listed in `unknown` (a downgrade), never guessed at.
    func latchedAlarms() -> (LatchedAlarms, unknown: [String]) {
        var latched = LatchedAlarms()
        var unknown: [String] = []
        for saved in alarms {
            guard let id = AlarmID(name: saved.name) else {
                unknown.append(saved.name)
                continue
            }
            latched.raised[id] = ControlInstant(nanoseconds: saved.raisedControlNs)
            if saved.acknowledged { latched.acknowledged.insert(id) }
        }
        return (latched, unknown)
    }

    /// The charted observations as the core keeps them, and what could not be one (a sign this
    /// build does not know, a value no one can be charted with, a time in the future).
    func chartedReadings(at now: ControlInstant) -> (VitalReadings, problems: [String]) {
        var readings = VitalReadings()
        var problems: [String] = []
        for saved in charted ?? [] {
            guard let sign = VitalSign(name: saved.sign), saved.value.isFinite, sign.chartableRange.contains(saved.value),
                saved.measuredControlNs <= now.nanoseconds
            else {
                problems.append("saved observation \(saved.sign) \(saved.value) at \(saved.measuredControlNs) ns is not one a patient can have been charted with")
                continue
            }
            readings[sign] = VitalReading(value: saved.value, measuredAt: ControlInstant(nanoseconds: saved.measuredControlNs))
        }
        return (readings, problems)
    }

    /// The oximeter's last levels as the core keeps them, and the names this build does not know.
    func oximeterMemory() -> (OximeterMemory, unknown: [String]) {
        var unknown: [String] = []
        func mask(_ names: [String]?) -> UInt8 {
            (names ?? []).reduce(0) { mask, name in
                guard let sign = VitalSign(name: name) else {
                    unknown.append(name)
                    return mask
                }
                return mask | sign.bit
            }
        }
        let memory = OximeterMemory(beyondWarning: mask(oximeterBeyondWarning), critical: mask(oximeterCritical))
        return (memory, unknown)
    }

    static func oximeterNames(_ mask: UInt8) -> [String] {
        VitalSign.allCases.filter { mask & $0.bit != 0 }.map(\.name)
    }

    static func charted(_ readings: VitalReadings) -> [SavedObservation] {
        VitalSign.allCases.compactMap { sign in
            readings[sign].map { SavedObservation(sign: sign.name, value: $0.value, measuredControlNs: $0.measuredAt.nanoseconds) }
        }
    }

    static func alarms(_ latched: LatchedAlarms) -> [SavedAlarm] {
        latched.raised.sorted { $0.key.rawValue < $1.key.rawValue }.map { id, at in
            SavedAlarm(name: id.name, raisedControlNs: at.nanoseconds, acknowledged: latched.acknowledged.contains(id))
        }
    }
}

extension InfusionState {
    /// The state ``wireName`` names, or nil.
    public init?(wireName: String) {
        guard let state = InfusionState.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = state
    }
}
