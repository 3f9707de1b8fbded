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
        let filled = Int((fraction * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    public static func duration(_ seconds: Double) -> String {
        let minutes = Int((seconds / 60).rounded(.up))
        return minutes >= 60 ? "\(minutes / 60) h \(minutes % 60) min" : "\(minutes) min"
    }

    private static func number(_ value: Double, _ places: Int = 2) -> String { String(format: "%.\(places)f", value) }

    /// The lines for one update (terminal mode: the caller moves the cursor back over them).
    public func lines(_ report: StatusReport) -> [String] {
        var progress = "no program"
        if let program = report.program, let fraction = Self.progress(report) {
            progress = "\(Self.number(report.deliveredMl))/\(Self.number(program.volumeMl)) mL (\(Int((fraction * 100).rounded(.down))) %), \(Self.number(report.deliveredMg)) mg"
            if let remaining = report.timeRemainingS { progress += ", \(Self.duration(remaining)) left" }
            if terminal { progress = bar(fraction) + " " + progress }
        }
        let drug = report.program.map { "\($0.drug) \(Self.number($0.concentrationMgPerMl, 1)) mg/mL \($0.dose)" } ?? ""
        let head = "\(report.state.uppercased())  \(Self.number(report.rateMlPerH)) mL/h  \(drug)".trimmingCharacters(in: .whitespaces)
        let pressure = "pressure \(Int(report.pressureMmHg.rounded())) mmHg" + (report.syringeRemainingMl.map { ", syringe \(Self.number($0, 1)) mL" } ?? "")
        let alarm = banner(report)
        guard terminal else {
            return [[head, progress, pressure, alarm].joined(separator: " | ")]
        }
        return [head, progress, pressure, alarm]
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
