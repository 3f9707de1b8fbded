import ControlProtocol
import Foundation
import Testing

/// What a technician sees from `status --watch`: on a terminal and piped.
@Suite("Status rendering")
struct StatusRendererTests {
    static func report(delivered: Double = 3.0625, alarms: [StatusReport.Alarm] = [], audioPaused: Bool = false) -> StatusReport {
        StatusReport(
            state: "running", rateMlPerH: 12.25,
            program: .init(drug: "ketamine", concentrationMgPerMl: 2, dose: "0.35 mg/kg/h", volumeMl: 49, durationS: 14_400),
            deliveredMl: delivered, deliveredMg: delivered * 2, timeRemainingS: (49 - delivered) / 12.25 * 3_600,
            syringeRemainingMl: 50 - delivered, pressureMmHg: 118.4, alarms: alarms, audioPaused: audioPaused)
    }

    @Test("the progress bar is the delivered fraction of the program, with volume, drug and time left")
    func progressBarShowsTheProgram() {
        let lines = StatusRenderer(terminal: true, width: 16).lines(Self.report())
        #expect(lines[0] == "RUNNING  12.25 mL/h  ketamine 2.0 mg/mL 0.35 mg/kg/h")
        #expect(lines[1] == "[#...............] 3.06/49.00 mL (6 %), 6.12 mg, 3 h 45 min left", "\(lines[1])")
        #expect(lines[2] == "pressure 118 mmHg, syringe 46.9 mL")
        #expect(lines[3] == "no alarm")
        #expect(StatusRenderer(terminal: true, width: 16).bar(1) == "[################]")
    }

    /// Red team, issue 14 F9: a time left or a pressure past Int64 trapped infusionctl.
    @Test("numbers no daemon should send are rendered, not trapped on", arguments: [9.3e18, -9.3e18, .infinity, -.infinity, .nan, 1e308])
    func absurdNumbersRender(value: Double) {
        var report = Self.report()
        report.timeRemainingS = value
        report.pressureMmHg = value
        report.deliveredMl = value
        for terminal in [true, false] {
            let lines = StatusRenderer(terminal: terminal, width: 16).lines(report)
            #expect(lines.joined().contains("pressure "), "\(lines)")
        }
    }

    @Test("the banner shows the highest-priority alarm, coloured by priority, with the count of others")
    func bannerLeadsWithTheHighest() {
        let alarms = [
            StatusReport.Alarm(id: "near_empty", priority: .low, acknowledged: false),
            StatusReport.Alarm(id: "occlusion", priority: .high, acknowledged: true),
            StatusReport.Alarm(id: "paused_too_long", priority: .medium, acknowledged: false),
        ]
        let terminal = StatusRenderer(terminal: true).banner(Self.report(alarms: alarms, audioPaused: true))
        #expect(terminal == "\u{1B}[1;97;41m HIGH ALARM: occlusion (acknowledged) (audio paused) +2 more \u{1B}[0m")
        let medium = StatusRenderer(terminal: true).banner(Self.report(alarms: [alarms[2]]))
        #expect(medium.hasPrefix("\u{1B}[1;30;43m MEDIUM ALARM: paused_too_long"))
    }

    /// Issue 17: the patient's signs with source and age; a warning yellow, a critical red on a
    /// terminal, and named in words either way; blood pressure as systolic/diastolic, the worse level.
    @Test("the vitals line shows each sign with its source and age, coloured by band")
    func vitalsAreColouredByBand() {
        var report = Self.report()
        report.vitals = [
            .init(sign: "spo2", value: 78, unit: "%", source: "oximeter", ageS: 0.4, level: "critical"),
            .init(sign: "heart_rate", value: 122, unit: "/min", source: "oximeter", ageS: 0.4, level: "warning"),
            .init(sign: "systolic", value: 150, unit: "mmHg", source: "charted", ageS: 185, level: "normal"),
            .init(sign: "diastolic", value: 104, unit: "mmHg", source: "charted", ageS: 185, level: "warning"),
            .init(sign: "respiratory_rate", value: 14, unit: "/min", source: "charted", ageS: 3_700, level: "normal"),
        ]
        let terminal = StatusRenderer(terminal: true, width: 16).lines(report)
        #expect(terminal.count == 5 && terminal[4] == "no alarm")
        #expect(terminal[3] == "\u{1B}[1;97;41m SpO2 78 % (oximeter, 0 s ago) CRITICAL \u{1B}[0m  "
            + "\u{1B}[1;30;43m HR 122/min (oximeter, 0 s ago) WARNING \u{1B}[0m  "
            + "\u{1B}[1;30;43m BP 150/104 mmHg (charted, 3 min ago) WARNING \u{1B}[0m  RR 14/min (charted, 1 h 1 min ago)", "\(terminal[3])")
        let piped = StatusRenderer(terminal: false).lines(report)
        #expect(piped.count == 1 && !piped[0].contains("\u{1B}"))
        #expect(piped[0].contains(" | SpO2 78 % (oximeter, 0 s ago) CRITICAL, HR 122/min (oximeter, 0 s ago) WARNING, BP 150/104 mmHg (charted, 3 min ago) WARNING, RR 14/min (charted, 1 h 1 min ago) | no alarm"), "\(piped[0])")
        report.vitals = []
        #expect(StatusRenderer(terminal: true).lines(report).count == 4, "no signs, no line")
        report.vitals = [.init(sign: "heart_rate", value: .nan, unit: "/min", source: "oximeter", ageS: .infinity, level: "normal")]
        #expect(StatusRenderer(terminal: false).vitalsLine(report) != nil, "an absurd value renders, not traps")
    }

    @Test("piped, each update is one plain line without escape codes")
    func pipedIsPlainText() {
        let alarms = [StatusReport.Alarm(id: "occlusion", priority: .high, acknowledged: false)]
        let lines = StatusRenderer(terminal: false).lines(Self.report(alarms: alarms))
        #expect(lines.count == 1)
        #expect(!lines[0].contains("\u{1B}"))
        #expect(lines[0] == "RUNNING  12.25 mL/h  ketamine 2.0 mg/mL 0.35 mg/kg/h | 3.06/49.00 mL (6 %), 6.12 mg, 3 h 45 min left | pressure 118 mmHg, syringe 46.9 mL | HIGH ALARM: occlusion")
    }

    @Test("a report survives the wire unchanged")
    func reportRoundTrips() throws {
        let report = Self.report(alarms: [StatusReport.Alarm(id: "occlusion", priority: .high, acknowledged: false)])
        let line = ControlResponse.success(report, id: "1").encoded()
        #expect(String(decoding: line, as: UTF8.self).contains(#""rate_ml_per_h":12.25"#))
        #expect(try ControlResponse<StatusReport>.decode(line).result == report)
    }
}
