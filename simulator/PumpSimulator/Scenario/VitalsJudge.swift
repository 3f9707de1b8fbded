import InfusionCore

/// Judges the vital-signs interlock by the patient, not by the controller's verdict (issue 17):
/// from the patient's true SpO2 and heart rate while the oximeter speaks, and the drug's bands.
///
/// - Delivery never goes on while a sign has been beyond its critical band, visibly, for longer
///   than its persistence plus the line's second and a tick.
/// - A stop (vitals_critical raised) never comes from a single warning: it is a failure when, over
///   the minute before, no sign was critical, at most one was beyond its warning band and the
///   oximeter never fell silent, and nothing was ever charted. An over-approximation of the legitimate
///   stops, so it can only miss a wrong one, never call a right one wrong.
struct VitalsJudge {
    let rules: VitalsRules
    let lineDelay = ControlDuration.seconds(1)
    /// Since when each sign has been visibly critical (ns), or nil.
    private var criticalSince = PerSign<Int64>()
    /// The last time each sign was beyond its warning band, or critical, and the oximeter silent.
    private var lastBeyondWarning = PerSign<Int64>()
    private var lastCritical: Int64 = .min
    private var lastSilent: Int64 = .min
    private var lastChart: Int64 = .min
    var violations: [String] = []

    init(rules: VitalsRules) {
        self.rules = rules
    }

    mutating func charted(at now: ControlInstant) { lastChart = now.nanoseconds }

    /// After each tick: the patient's truth, whether the oximeter spoke, the tick's forward steps
    /// and whether vitals_critical was raised in it.
    mutating func observe(truth: PerSign<Double>, oximeterSilent: Bool, forwardSteps: Int64, criticalRaised: Bool, tick: ControlDuration, at now: ControlInstant) {
        if oximeterSilent { lastSilent = now.nanoseconds }
        for sign in [VitalSign.spo2, .heartRate] {
            guard let band = rules.band(sign), let value = truth[sign], !oximeterSilent else {
                criticalSince[sign] = nil
                continue
            }
            let level = band.level(of: value)
            if level >= .warning { lastBeyondWarning[sign] = now.nanoseconds }
            if level == .critical {
                lastCritical = now.nanoseconds
                if criticalSince[sign] == nil { criticalSince[sign] = now.nanoseconds }
                let visibleFor = ControlDuration(nanoseconds: now.nanoseconds - criticalSince[sign]!)
                if forwardSteps > 0, visibleFor > band.persist + lineDelay + tick {
                    violations.append("\(forwardSteps) steps forward at \(now) with \(sign) at \(value) critical for \(visibleFor) (persist \(band.persist))")
                }
            } else {
                criticalSince[sign] = nil
            }
        }
        if criticalRaised {
            let minuteAgo = now.nanoseconds - 60_000_000_000
            let warned = [VitalSign.spo2, .heartRate].filter { (lastBeyondWarning[$0] ?? .min) >= minuteAgo }.count
            // A chart counts for chart_every and then stands until a newer one: any chart at all
            // may be the second warning.
            if lastCritical < minuteAgo, warned <= 1, lastSilent < minuteAgo, lastChart == .min {
                violations.append("vitals_critical raised at \(now) on at most one warning (\(warned) sign beyond its warning band in the minute before, none critical, the oximeter speaking, nothing charted)")
            }
        }
    }
}
