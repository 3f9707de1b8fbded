import ControlProtocol
import Foundation
import Glibc
import InfusionTestSupport
import Testing

/// The vital-signs interlock through the daemon (issue 17): `pumpsim oximeter` on a pty, read by
/// the daemon's reader thread through libserialport (the pty modem shim, as the NE-1000 path),
/// the shipped library's ketamine bands (SpO2 critical below 90 % after 15 s).
@Suite("End to end: the vital-signs interlock", .serialized)
struct VitalsEndToEndTests {
    static func spo2(_ report: StatusReport) -> StatusReport.Vital? { report.vitals?.first { $0.sign == "spo2" } }

    @Test("SpO2 78 % stops delivery once it has persisted, with vitals_critical; reset waits for recovery; sensor off is a lost source; a garbage burst is no reading")
    func desaturationStopsDelivery() throws {
        let oximeter = try PumpsimServer(oximeter: true)
        let rig = try DaemonRig(
            scale: 1, preload: PumpsimServer.modemShim,
            extra: "[vitals]\nkind = \"masimo-ascii\"\nport = \"\(oximeter.portName)\"")
        try rig.start()
        try rig.program(duration: "2 h")
        #expect(rig.ctl("start").status == 0)
        try rig.waitUntil("the oximeter's SpO2 in status", within: 10) { Self.spo2(try rig.status())?.value == 97 }
        let reading = try #require(Self.spo2(try rig.status()))
        #expect(reading.source == "oximeter" && reading.ageS < 2 && reading.level == "normal", "\(reading)")

        // A burst of noise on the line is no reading: SpO2 stays what the last good line said.
        #expect(try oximeter.command("garbage 300") == "ok")
        try rig.waitUntil("a good line after the noise", within: 5) { (Self.spo2(try rig.status())?.ageS ?? 9) < 0.5 }
        let afterNoise = try rig.status()
        #expect(Self.spo2(afterNoise)?.value == 97 && afterNoise.state == "running" && !afterNoise.alarms.contains { $0.id.hasPrefix("vitals") })

        #expect(try oximeter.command("spo2 78") == "ok")
        let set = Date()
        try rig.waitUntil("vitals_critical", within: 25) { try rig.status().alarms.contains { $0.id == "vitals_critical" } }
        let onsetToStop = Date().timeIntervalSince(set)
        let stopped = try rig.status()
        #expect(stopped.state == "stopped_by_alarm" && Self.spo2(stopped)?.level == "critical", "\(stopped.state)")
        #expect(onsetToStop >= 14 && onsetToStop <= 18, "SpO2 set to 78 % → vitals_critical after \(onsetToStop) s (persistence 15 s)")
        print("vitals: SpO2 set to 78 % → vitals_critical and delivery stopped after \(String(format: "%.1f", onsetToStop)) s (persist 15 s, one line a second)")
        // Raised and stopped in the same control period: the alarm and the state change carry
        // the same control time in the event log.
        let events = try rig.history()
        let raised = try #require(events.last { $0.type == "alarm_raised" && $0.details == "vitals_critical" })
        let stateChange = try #require(events.last { $0.type == "state" && $0.details == "stopped_by_alarm" })
        let changes = events.filter { ["state", "alarm_raised", "alarm_cleared", "vitals_interlock"].contains($0.type) }
        #expect(
            raised.controlNs == stateChange.controlNs,
            "alarm at \(raised.controlNs), stop at \(stateChange.controlNs); \(changes.map { "\($0.controlNs) \($0.type) \($0.details)" })")
        #expect(events.contains { $0.type == "vitals_interlock" && $0.details.contains("critical: spo2") && $0.details.contains("delivery stops") })

        #expect(rig.ctl("reset").status == 3, "reset while SpO2 is 78 %")
        #expect(try oximeter.command("spo2 97") == "ok")
        try rig.waitUntil("reset once SpO2 recovers", within: 5) { rig.ctl("reset").status == 0 }
        #expect(rig.ctl("resume").status == 0)

        #expect(try oximeter.command("sensor off") == "ok")
        let off = Date()
        try rig.waitUntil("vitals_source_lost", within: 25) { try rig.status().alarms.contains { $0.id == "vitals_source_lost" } }
        let lost = try rig.status()
        #expect(lost.state == "running", "a lost source alone does not stop: \(lost.state)")
        print("vitals: sensor off → vitals_source_lost after \(String(format: "%.1f", Date().timeIntervalSince(off))) s (oximeter_lost_after 15 s)")
        #expect(rig.stop() == 0)
    }
}

/// Charted observations through `infusionctl vitals` (issue 17): recorded with who and when,
/// judged at once, refused whole when implausible.
@Suite("End to end: charted vital signs")
struct ChartedVitalsEndToEndTests {
    @Test("a charted 190/100 stops delivery at once; an implausible chart is refused and changes nothing; both are in the log with who")
    func chartedPressureStopsDelivery() throws {
        let rig = try DaemonRig()
        try rig.start()
        try rig.program(duration: "2 h")
        #expect(rig.ctl("start").status == 0)
        let refused = rig.ctl("vitals", "--bp", "80/120")
        #expect(refused.status != 0 && refused.error.contains("not below systolic"), "\(refused.status) \(refused.error)")
        #expect(try rig.status().vitals == nil, "nothing charted")
        let charted = rig.ctl("vitals", "--bp", "190/100", "--rr", "14")
        #expect(charted.status == 0, "\(charted.error)")
        try rig.waitUntil("vitals_critical", within: 5) { try rig.status().alarms.contains { $0.id == "vitals_critical" } }
        let report = try rig.status()
        #expect(report.state == "stopped_by_alarm")
        let systolic = report.vitals?.first { $0.sign == "systolic" }
        #expect(systolic?.value == 190 && systolic?.source == "charted" && systolic?.level == "critical", "\(String(describing: report.vitals))")
        #expect(report.vitals?.first { $0.sign == "respiratory_rate" }?.level == "normal")
        let events = try rig.history()
        #expect(events.contains { $0.type == "command" && $0.details.contains("vitals bp 190/100 rr 14") && $0.uid != nil }, "\(events.suffix(8).map(\.details))")
        #expect(events.contains { $0.type == "command" && $0.details.contains("vitals bp 80/120") && $0.details.contains("refused") })
        #expect(rig.stop() == 0)
    }
}
