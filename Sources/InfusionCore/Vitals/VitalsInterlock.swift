/// What the interlock concluded in one tick.
public struct VitalsVerdict: Hashable, Sendable {
    /// Signs whose value counts as critical / as a warning (not critical), a bit per ``VitalSign``.
    public var critical: UInt8 = 0
    public var warning: UInt8 = 0
    /// A required source has given no valid value within its grace: the oximeter silent, off the
    /// finger or voided by its own exceptions, or a required observation not charted in time.
    public var sourceLost = false
    /// A required observation is older than `chart_every`: a reminder, not yet a lost source.
    public var chartDue = false

    public init() {}

    /// Warnings counted together: each sign beyond its warning band, and a lost source.
    public var warnings: Int { warning.nonzeroBitCount + (sourceLost ? 1 : 0) }

    /// OpenICE's rule (docs/safety/hazards.md, HAZ-VIT): any critical value, or two warnings at
    /// once, stops delivery; one warning alone only warns.
    public var stopsDelivery: Bool { critical != 0 || warnings >= 2 }

    public func level(_ sign: VitalSign) -> VitalLevel {
        critical & sign.bit != 0 ? .critical : warning & sign.bit != 0 ? .warning : .normal
    }
}

/// The vital-signs interlock (issue 17): pure, fixed-size, run in the tick like every other
/// decision. Each source is judged on its own and a sign counts as the worse of the two, so a
/// charted value never masks the oximeter's nor resets its clock (red team, issue 17: a charted
/// SpO2 of 99 let a reset, a resume and a bolus through with the oximeter at 78 %).
///
/// - The oximeter's value counts once it has stayed beyond a band for the band's `persist`,
///   measured from the first tick that saw it there. Only a recovery that itself lasts
///   ``recovery`` restarts that clock, so a noisy desaturation wandering across the band still
///   counts; a void or missing value neither restarts it nor stops it: the last value seen stands.
/// - A charted value counts at once: a nurse measured it deliberately. Aged out, it still counts
///   as it last did until a newer chart says otherwise: no evidence of recovery.
/// - The state is kept across programs and cleared only for a new patient, so stop, program and
///   start does not buy a fresh persistence.
/// - A restart loses the clocks, not the patient: after one, a sign's first value beyond a band
///   counts at once, since it may have been out for longer than anyone can now tell (red team,
///   issue 17: a restart 13 s into a desaturation started its 15 s again; a restart-held stop was
///   released on a fresh 78 % that had not yet "persisted"), and so does a sign whose last value
///   before the restart was beyond one (``OximeterMemory``), until a fresh value replaces it.
/// - Only a new line moves the clocks: a value re-read each tick while it ages is not fresh
///   evidence (third red team: one good line followed by 6 s of silence counted as 5 s back
///   inside, and 14 s at 78 % in every 20 s never stopped).
/// - The oximeter is lost when any sign the drug watches on it has had no valid value for the
///   grace, not only when the whole line is silent: SpO2 `---` beside a pulse rate is no SpO2.
public struct VitalsInterlock: Sendable {
    /// Per sign (ns, or `none`): when the oximeter's value first went beyond the warning and the
    /// critical band, and since when it has been back inside each.
    private var warningSince = InlineArray<5, Int64>(repeating: Self.none)
    private var criticalSince = InlineArray<5, Int64>(repeating: Self.none)
    private var insideWarningSince = InlineArray<5, Int64>(repeating: Self.none)
    private var insideCriticalSince = InlineArray<5, Int64>(repeating: Self.none)
    /// The level of the oximeter's last valid value of each sign, and the level each sign's
    /// latest chart counted as.
    private var lastOximeterLevel = InlineArray<5, Int>(repeating: 0)
    private var chartedLevel = InlineArray<5, Int>(repeating: 0)
    /// When each sign's latest chart was judged (its `measuredAt`, ns): a chart is judged once
    /// however old it is when the interlock first sees it, and again while it is within
    /// `chart_every` (red team: a 190/100 charted before any program had aged out unjudged).
    private var judgedChartAt = InlineArray<5, Int64>(repeating: Self.none)
    private static var none: Int64 { .min }
    /// When the watch began, and when the oximeter last gave a valid value of each sign (ns): a
    /// sign's grace runs from the later, so one void line is not yet a lost source.
    private var watchingSince = Self.none
    private var lastValidOximeter = InlineArray<5, Int64>(repeating: Self.none)
    /// Signs whose history a restart took: the first value beyond a band counts at once.
    private var historyUnknown: UInt8 = 0

    /// How long a value must stay back inside a band before the band's clock starts again.
    public static var recovery: ControlDuration { .seconds(5) }

    public private(set) var verdict = VitalsVerdict()

    public init() {}

    /// Forgets everything: a new patient.
    public mutating func clear() {
        self = VitalsInterlock()
    }

    /// An interlock after a restart: every sign's history unknown, and each sign `memory` holds
    /// beyond a band counting as it last did.
    public static func afterRestart(remembering memory: OximeterMemory = OximeterMemory(), at now: ControlInstant = .origin) -> VitalsInterlock {
        var interlock = VitalsInterlock()
        interlock.historyUnknown = 0x1F
        // Out for longer than any persistence a library may set (5 min at most).
        let longAgo = now.nanoseconds &- ControlDuration.minutes(6).nanoseconds
        for sign in VitalSign.every {
            let level = memory.level(sign)
            let index = sign.rawValue
            interlock.lastOximeterLevel[index] = level.rawValue
            if level >= .warning { interlock.warningSince[index] = longAgo }
            if level == .critical { interlock.criticalSince[index] = longAgo }
        }
        return interlock
    }

    /// What a restart keeps: the level of each sign's last valid oximeter value.
    public var oximeterMemory: OximeterMemory {
        var memory = OximeterMemory()
        for sign in VitalSign.every {
            let level = VitalLevel(rawValue: lastOximeterLevel[sign.rawValue]) ?? .normal
            if level >= .warning { memory.beyondWarning |= sign.bit }
            if level == .critical { memory.critical |= sign.bit }
        }
        return memory
    }

    /// Judges this tick. Answers the verdict (also kept in ``verdict``).
    @discardableResult
    public mutating func evaluate(
        rules: VitalsRules, oximeter: OximeterReport?, charted: VitalReadings, at now: ControlInstant
    ) -> VitalsVerdict {
        if watchingSince == Self.none {
            // The first look, at a patient whose signs nobody watched until now: how long a value
            // has been out is unknown, as after a restart (third red team: a patient at 78 % for
            // four minutes got 15 s of a first program).
            watchingSince = now.nanoseconds
            historyUnknown = 0x1F
        }
        var verdict = VitalsVerdict()
        for sign in VitalSign.every {
            guard let band = rules.band(sign) else { continue }
            let index = sign.rawValue
            let fromOximeter = judgeOximeter(sign, band, oximeter?.readings[sign], rules: rules, at: now)
            if let chart = charted[sign], chart.measuredAt.nanoseconds != judgedChartAt[index] || now - chart.measuredAt <= rules.chartEvery {
                // Judged when first seen, however old, and while within chart_every; older, it
                // stands as it last was: no evidence of recovery.
                chartedLevel[index] = band.level(of: chart.value).rawValue
                judgedChartAt[index] = chart.measuredAt.nanoseconds
            }
            let level = max(fromOximeter.rawValue, chartedLevel[index])
            if level == VitalLevel.critical.rawValue {
                verdict.critical |= sign.bit
            } else if level == VitalLevel.warning.rawValue {
                verdict.warning |= sign.bit
            }
        }
        // Required and not fitted is lost at once. Fitted, required or not, it is lost after its
        // grace without a valid value of a sign the drug watches: a pump that has an oximeter
        // relies on it, so its silence must not pass unremarked because the library left it
        // optional, or watches heart rate alone.
        if oximeter == nil {
            verdict.sourceLost = rules.requireOximeter
        } else {
            for sign in VitalSign.oximeterSigns where rules.band(sign) != nil {
                let silent = now.nanoseconds - max(lastValidOximeter[sign.rawValue], watchingSince)
                if silent > rules.oximeterLostAfter.nanoseconds { verdict.sourceLost = true }
            }
        }
        for sign in VitalSign.every where rules.requiresChart(sign) {
            let age = charted[sign].map { now - $0.measuredAt }
            if age.map({ $0 > rules.chartEvery + rules.chartGrace }) ?? true {
                verdict.sourceLost = true
            } else if let age, age > rules.chartEvery {
                verdict.chartDue = true
            }
        }
        self.verdict = verdict
        return verdict
    }

    /// The level the oximeter's value of `sign` counts as now, with its clocks brought up to date.
    private mutating func judgeOximeter(
        _ sign: VitalSign, _ band: VitalBand, _ reading: VitalReading?, rules: VitalsRules, at now: ControlInstant
    ) -> VitalLevel {
        let index = sign.rawValue
        let persist = band.persist.nanoseconds
        if let reading, now - reading.measuredAt <= rules.oximeterLostAfter, reading.measuredAt.nanoseconds > lastValidOximeter[index] {
            lastValidOximeter[index] = max(lastValidOximeter[index], reading.measuredAt.nanoseconds)
            let level = band.level(of: reading.value)
            lastOximeterLevel[index] = level.rawValue
            Self.track(beyond: level == .critical, since: &criticalSince[index], inside: &insideCriticalSince[index], at: now)
            Self.track(beyond: level >= .warning, since: &warningSince[index], inside: &insideWarningSince[index], at: now)
            if historyUnknown & sign.bit != 0 {
                historyUnknown &= ~sign.bit
                // Out already when first seen after a restart: as if out for its whole persistence.
                if criticalSince[index] == now.nanoseconds { criticalSince[index] = now.nanoseconds &- persist }
                if warningSince[index] == now.nanoseconds { warningSince[index] = now.nanoseconds &- persist }
            }
        }
        // No valid value now: the last one seen stands, its clock running.
        let last = VitalLevel(rawValue: lastOximeterLevel[index]) ?? .normal
        if last == .critical, criticalSince[index] != Self.none, now.nanoseconds - criticalSince[index] >= persist { return .critical }
        if last >= .warning, warningSince[index] != Self.none, now.nanoseconds - warningSince[index] >= persist { return .warning }
        return .normal
    }

    /// One band's clock: started by the first value beyond it, stopped only by values back inside
    /// it for ``recovery``.
    private static func track(beyond: Bool, since: inout Int64, inside: inout Int64, at now: ControlInstant) {
        if beyond {
            if since == none { since = now.nanoseconds }
            inside = none
        } else if since != none {
            if inside == none { inside = now.nanoseconds }
            if now.nanoseconds - inside >= recovery.nanoseconds {
                since = none
                inside = none
            }
        }
    }
}
