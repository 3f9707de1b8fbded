/// Where one sign's value stands against its bands.
public enum VitalLevel: Int, Comparable, Hashable, Sendable {
    case normal = 0, warning, critical

    public static func < (lhs: VitalLevel, rhs: VitalLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One sign's warning and critical limits for a drug, and how long a value from a continuous
/// source must stay beyond them before it counts. Either side may be open (SpO2 has no upper
/// limit that matters).
public struct VitalBand: Hashable, Sendable {
    public var warningBelow: Double?
    public var warningAbove: Double?
    public var criticalBelow: Double?
    public var criticalAbove: Double?
    /// A motion artefact or a probe moved on the finger lasts seconds; a real desaturation does
    /// not end by itself. A value must stay out this long before it counts.
    public var persist: ControlDuration

    public init(
        warningBelow: Double? = nil, warningAbove: Double? = nil, criticalBelow: Double? = nil, criticalAbove: Double? = nil,
        persist: ControlDuration
    ) {
        self.warningBelow = warningBelow
        self.warningAbove = warningAbove
        self.criticalBelow = criticalBelow
        self.criticalAbove = criticalAbove
        self.persist = persist
    }

    public func level(of value: Double) -> VitalLevel {
        if let criticalBelow, value < criticalBelow { return .critical }
        if let criticalAbove, value > criticalAbove { return .critical }
        if let warningBelow, value < warningBelow { return .warning }
        if let warningAbove, value > warningAbove { return .warning }
        return .normal
    }
}

/// A drug's vitals interlock (issue 17), from its `[drug.vitals]` table: the bands of each sign
/// it watches, the sources it requires, and how old a value may be before it no longer counts.
public struct VitalsRules: Hashable, Sendable {
    /// Inline, not an array: the tick reads them (``ProgramLimits``).
    private var bands = PerSign<VitalBand>()
    /// Delivery needs a working oximeter: without a valid SpO2 this long, the source is lost.
    public var requireOximeter: Bool
    public var oximeterLostAfter: ControlDuration
    /// Signs that must have been charted (bit per ``VitalSign``); each charted value counts for
    /// `chartEvery`, after which a reminder sounds, and after `chartEvery + chartGrace` the
    /// observation is missing: the source is lost.
    public var requiredCharted: UInt8
    public var chartEvery: ControlDuration
    public var chartGrace: ControlDuration

    public init(
        bands: [VitalSign: VitalBand], requireOximeter: Bool, oximeterLostAfter: ControlDuration, requiredCharted: Set<VitalSign>,
        chartEvery: ControlDuration, chartGrace: ControlDuration
    ) {
        for (sign, band) in bands { self.bands[sign] = band }
        self.requireOximeter = requireOximeter
        self.oximeterLostAfter = oximeterLostAfter
        self.requiredCharted = requiredCharted.reduce(0) { $0 | $1.bit }
        self.chartEvery = chartEvery
        self.chartGrace = chartGrace
    }

    /// The sign's band; nil where the drug does not watch it.
    public func band(_ sign: VitalSign) -> VitalBand? { bands[sign] }

    public func requiresChart(_ sign: VitalSign) -> Bool { requiredCharted & sign.bit != 0 }
}
