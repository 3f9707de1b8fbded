import Foundation

/// Renders a ``StatusReport`` for people: on a terminal, a block redrawn in place with a progress
/// bar and an alarm banner coloured by priority (red high, yellow medium, cyan low, after
/// IEC 60601-1-8's colours); piped, one plain line per update with no escape codes, so a log or a
/// script gets text it can read.
public struct StatusRenderer: Sendable {
    public let terminal: Bool
    public let width: Int

    public init(terminal: Bool, width: Int = 40) {
        self.terminal = terminal
        self.width = width
    }

    /// Fraction of the program delivered, 0…1 (nil without a program).
    public static func progress(_ report: StatusReport) -> Double? {
        guard let program = report.program, program.volumeMl > 0 else { return nil }
        return min(1, max(0, report.deliveredMl / program.volumeMl))
    }

    public func bar(_ fraction: Double) -> String {
        let filled = Int(Self.whole(min(1, max(0, fraction)) * Double(width), rounding: .down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    public static func duration(_ seconds: Double) -> String {
        // A daemon's answer is rendered, never trusted to fit: 10⁹ min is 1900 years.
        let minutes = whole(min(max(seconds, 0), 6e10) / 60, rounding: .up)
        return minutes >= 60 ? "\(minutes / 60) h \(minutes % 60) min" : "\(minutes) min"
    }

    private static func number(_ value: Double, _ places: Int = 2) -> String { String(format: "%.\(places)f", value) }

    /// `value` rounded, as a whole number that cannot trap: `Int(_:)` traps on NaN, infinity or
    /// a value past Int64, and a status line from any server can hold one (red team, issue 14 F9).
    static func whole(_ value: Double, rounding rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int64 {
        guard !value.isNaN else { return 0 }
        let rounded = value.rounded(rule)
        if rounded >= 9_223_372_036_854_775_808.0 { return .max }
        if rounded < -9_223_372_036_854_775_808.0 { return .min }
        return Int64(rounded)
    }

    /// The lines for one update (terminal mode: the caller moves the cursor back over them).
    public func lines(_ report: StatusReport) -> [String] {
        var progress = "no program"
        if let program = report.program, let fraction = Self.progress(report) {
            progress = "\(Self.number(report.deliveredMl))/\(Self.number(program.volumeMl)) mL (\(Self.whole(fraction * 100, rounding: .down)) %), \(Self.number(report.deliveredMg)) mg"
            if let remaining = report.timeRemainingS { progress += ", \(Self.duration(remaining)) left" }
            if terminal { progress = bar(fraction) + " " + progress }
        }
        let drug = report.program.map { "\($0.drug) \(Self.number($0.concentrationMgPerMl, 1)) mg/mL \($0.dose)" } ?? ""
        let head = "\(report.state.uppercased())  \(Self.number(report.rateMlPerH)) mL/h  \(drug)".trimmingCharacters(in: .whitespaces)
        var pressure = "pressure \(Self.whole(report.pressureMmHg)) mmHg" + (report.syringeRemainingMl.map { ", syringe \(Self.number($0, 1)) mL" } ?? "")
        if let patient = report.patient {
            pressure += ", patient \(patient.id ?? "#\(patient.number)") \(Self.number(patient.weightKg, 1)) kg"
            if report.lineOnPatient == true { pressure += " (line on)" }
        }
        let alarm = banner(report)
        let vitals = vitalsLine(report)
        guard terminal else {
            return [([head, progress, pressure] + (vitals.map { [$0] } ?? []) + [alarm]).joined(separator: " | ")]
        }
        return [head, progress, pressure] + (vitals.map { [$0] } ?? []) + [alarm]
    }

    /// The patient's latest signs, each with its source and age, as a clinician reads them (blood
    /// pressure as systolic/diastolic). A sign the interlock counts as a warning or critical is
    /// coloured yellow or red on a terminal, the alarm colours of IEC 60601-1-8, and named in
    /// words when piped, so the level never rests on colour alone.
    public func vitalsLine(_ report: StatusReport) -> String? {
        guard let vitals = report.vitals, !vitals.isEmpty else { return nil }
        func named(_ sign: String) -> StatusReport.Vital? { vitals.first { $0.sign == sign } }
        var parts: [String] = []
        if let spo2 = named("spo2") { parts.append(part("SpO2 \(Self.whole(spo2.value)) %", spo2)) }
        if let rate = named("heart_rate") { parts.append(part("HR \(Self.whole(rate.value))/min", rate)) }
        switch (named("systolic"), named("diastolic")) {
        case (let systolic?, let diastolic?):
            let worse = Self.rank(systolic.level) >= Self.rank(diastolic.level) ? systolic : diastolic
            var shown = worse
            shown.ageS = max(systolic.ageS, diastolic.ageS)
            parts.append(part("BP \(Self.whole(systolic.value))/\(Self.whole(diastolic.value)) mmHg", shown))
        case (let systolic?, nil): parts.append(part("systolic \(Self.whole(systolic.value)) mmHg", systolic))
        case (nil, let diastolic?): parts.append(part("diastolic \(Self.whole(diastolic.value)) mmHg", diastolic))
        case (nil, nil): break
        }
        if let breathing = named("respiratory_rate") { parts.append(part("RR \(Self.whole(breathing.value))/min", breathing)) }
        return parts.joined(separator: terminal ? "  " : ", ")
    }

    private func part(_ text: String, _ vital: StatusReport.Vital) -> String {
        let plain = "\(text) (\(vital.source), \(Self.age(vital.ageS)))"
        guard terminal else { return vital.level == "normal" ? plain : "\(plain) \(vital.level.uppercased())" }
        switch vital.level {
        case "critical": return "\u{1B}[1;97;41m \(plain) CRITICAL \u{1B}[0m"
        case "warning": return "\u{1B}[1;30;43m \(plain) WARNING \u{1B}[0m"
        default: return plain
        }
    }

    private static func rank(_ level: String) -> Int { level == "critical" ? 2 : level == "warning" ? 1 : 0 }

    static func age(_ seconds: Double) -> String {
        let whole = whole(max(0, seconds), rounding: .down)
        return whole < 60 ? "\(whole) s ago" : whole < 3_600 ? "\(whole / 60) min ago" : "\(whole / 3_600) h \(whole / 60 % 60) min ago"
    }

    /// "no alarm", or the leading alarm with its priority and the count of others.
    public func banner(_ report: StatusReport) -> String {
        guard let leading = report.leadingAlarm else { return "no alarm" }
        let others = report.alarms.count - 1
        var text = "\(leading.priority.rawValue.uppercased()) ALARM: \(leading.id)"
        if leading.acknowledged { text += " (acknowledged)" }
        if report.audioPaused { text += " (audio paused)" }
        if others > 0 { text += " +\(others) more" }
        guard terminal else { return text }
        let colour =
            switch leading.priority {
            case .high: "\u{1B}[1;97;41m"
            case .medium: "\u{1B}[1;30;43m"
            case .low: "\u{1B}[30;46m"
            }
        return colour + " " + text + " \u{1B}[0m"
    }
}
