/// One value of one vital sign, with when it was measured.
public struct VitalReading: Hashable, Sendable {
    public var value: Double
    public var measuredAt: ControlInstant

    public init(value: Double, measuredAt: ControlInstant) {
        self.value = value
        self.measuredAt = measuredAt
    }
}

/// The latest value of each sign from one source: plain inline data, so the tick reads and
/// replaces it without touching the heap.
public struct VitalReadings: Hashable, Sendable {
    private var values = PerSign<VitalReading>()

    public init() {}

    public subscript(_ sign: VitalSign) -> VitalReading? {
        get { values[sign] }
        set { values[sign] = newValue }
    }

    public var isEmpty: Bool { VitalSign.every.allSatisfy { self[$0] == nil } }

    /// A value as a person reads it: whole numbers without a decimal point.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(value)
    }

    /// Why these values cannot be charted, or nil: a value outside its sign's chartable range
    /// (an arrest and an apnoea are chartable, as 0), or a diastolic pressure not below the
    /// systolic it was charted with.
    public var implausibility: String? {
        for sign in VitalSign.every {
            guard let value = self[sign]?.value else { continue }
            let range = sign.chartableRange
            guard value.isFinite, range.contains(value) else {
                return "\(sign.name) \(Self.format(value)) \(sign.unit) is not a value a person can be charted with (\(Self.format(range.lowerBound))–\(Self.format(range.upperBound)) \(sign.unit))"
            }
        }
        if let systolic = self[.systolic]?.value, let diastolic = self[.diastolic]?.value, diastolic >= systolic {
            return "diastolic \(Self.format(diastolic)) mmHg is not below systolic \(Self.format(systolic)) mmHg"
        }
        return nil
    }
}

/// What the oximeter's reader thread last published, as the loop samples it (never a blocking
/// read). `lineAt` is when the last well-formed line arrived, whatever it said; the values are
/// those of that line that the device itself vouched for (not `---`, not voided by an exception
/// such as sensor off), each in its physical range.
public struct OximeterReport: Hashable, Sendable {
    public var lineAt: ControlInstant?
    public var readings: VitalReadings
    /// The device's own reason its values are void (its exception bits named), or nil.
    public var invalidBecause: OximeterException?
    /// The device's doubt about values it still sent (low perfusion, low signal IQ), or nil.
    public var lowQuality: OximeterException?
    /// Lines since start that were not the protocol at all: noise, a cut line, a wrong baud rate.
    public var malformedLines: Int64

    public init(
        lineAt: ControlInstant? = nil, readings: VitalReadings = VitalReadings(), invalidBecause: OximeterException? = nil,
        lowQuality: OximeterException? = nil, malformedLines: Int64 = 0
    ) {
        self.lineAt = lineAt
        self.lowQuality = lowQuality
        self.readings = readings
        self.invalidBecause = invalidBecause
        self.malformedLines = malformedLines
    }
}

/// The first of a line's exception conditions that void its values, in the order a technician
/// would look: no sensor, sensor off, defective, then signal quality.
public enum OximeterException: Int, Hashable, Sendable, CustomStringConvertible {
    case noSensor = 0
    case sensorOff
    case defectiveSensor
    case unusableSensor
    case pulseSearch
    case interference
    case lowPerfusion
    case lowSignalQuality
    case ambientLight
    case noValue
    /// The device's clock has stood still for three lines: it repeats a stale line.
    case clockFrozen

    public var description: String {
        switch self {
        case .noSensor: "no sensor"
        case .sensorOff: "sensor off the patient"
        case .defectiveSensor: "defective sensor"
        case .unusableSensor: "sensor or cable unrecognised, incompatible or expired"
        case .pulseSearch: "searching for a pulse"
        case .interference: "interference"
        case .lowPerfusion: "low perfusion"
        case .lowSignalQuality: "low signal quality"
        case .ambientLight: "too much ambient light"
        case .noValue: "no value (---)"
        case .clockFrozen: "the device's clock has stopped: its lines repeat"
        }
    }
}
