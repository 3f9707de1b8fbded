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
