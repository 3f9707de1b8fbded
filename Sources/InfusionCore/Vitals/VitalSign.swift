/// The vital signs the interlock watches (issue 17). Raw values are stable: they index the
/// interlock's fixed storage and its bit masks.
public enum VitalSign: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case spo2 = 0
    case heartRate
    case systolic
    case diastolic
    case respiratoryRate

    /// The name in the drug library, the protocol, the log and scenarios.
    public var name: String {
        switch self {
        case .spo2: "spo2"
        case .heartRate: "heart_rate"
        case .systolic: "systolic"
        case .diastolic: "diastolic"
        case .respiratoryRate: "respiratory_rate"
        }
    }

    public var unit: String {
        switch self {
        case .spo2: "%"
        case .heartRate, .respiratoryRate: "/min"
        case .systolic, .diastolic: "mmHg"
        }
    }

    /// What any living adult can show at all. A value outside is a sensor fault or a typing
    /// error, never a reading: taken as one, 0 % SpO2 from a loose probe would stop an infusion
    /// as a desaturation and 1 500 mmHg from a slipped key would hide nothing but teach the staff
    /// to distrust the interlock.
    public var physicalRange: ClosedRange<Double> {
        switch self {
        case .spo2: 1...100
        case .heartRate: 15...300
        case .systolic: 40...300
        case .diastolic: 15...200
        case .respiratoryRate: 1...80
        }
    }

    /// What a nurse may chart: the physical range, down to 0 for heart rate and breathing, since
    /// asystole and apnoea are exactly what must be charted and must count as critical (red team:
    /// `--rr 0` was refused as "outside what a living adult shows").
    public var chartableRange: ClosedRange<Double> {
        switch self {
        case .heartRate: 0...300
        case .respiratoryRate: 0...80
        default: physicalRange
        }
    }

    /// The signs a pulse oximeter gives; the rest come from a cuff or a count.
    public static var oximeterSigns: OximeterSigns { OximeterSigns() }

    public struct OximeterSigns: Sequence, IteratorProtocol, Sendable {
        private var raw = 0
        public mutating func next() -> VitalSign? {
            defer { raw += 1 }
            return raw < 2 ? VitalSign(rawValue: raw) : nil
        }
    }

    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public var description: String { name }

    public var bit: UInt8 { 1 << UInt8(rawValue) }

    /// Every sign in order, without building an array: the synthesized `allCases` makes one,
    /// and the tick and the loop's period allocate nothing.
    public static var every: Every { Every() }

    public struct Every: Sequence, IteratorProtocol, Sendable {
        private var raw = 0
        public mutating func next() -> VitalSign? {
            defer { raw += 1 }
            return VitalSign(rawValue: raw)
        }
    }
}

/// Where a value came from. The oximeter's come once a second over a wire; charted ones are
/// typed in by a nurse from a cuff or a count (`infusionctl vitals`).
public enum VitalSource: Int, Hashable, Sendable, CustomStringConvertible {
    case oximeter = 0
    case charted

    public var description: String {
        switch self {
        case .oximeter: "oximeter"
        case .charted: "charted"
        }
    }
}

/// One optional value per ``VitalSign``, in five inline fields rather than an array or a
/// dictionary: the tick reads and replaces them without touching the heap.
public struct PerSign<Value: Hashable & Sendable>: Hashable, Sendable {
    private var spo2: Value?
    private var heartRate: Value?
    private var systolic: Value?
    private var diastolic: Value?
    private var respiratoryRate: Value?

    public init() {}

    public subscript(_ sign: VitalSign) -> Value? {
        get {
            switch sign {
            case .spo2: spo2
            case .heartRate: heartRate
            case .systolic: systolic
            case .diastolic: diastolic
            case .respiratoryRate: respiratoryRate
            }
        }
        set {
            switch sign {
            case .spo2: spo2 = newValue
            case .heartRate: heartRate = newValue
            case .systolic: systolic = newValue
            case .diastolic: diastolic = newValue
            case .respiratoryRate: respiratoryRate = newValue
            }
        }
    }
}
