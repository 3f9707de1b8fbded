import Glibc
import InfusionCore
import InfusionDaemon
import Testing

/// LOG-001: what journald is told an event weighs, so `journalctl -p warning` lists the alarms
/// and nothing routine.
@Suite("System log priorities")
struct SystemLogTests {
    @Test("a raised alarm is at its own weight: high critical, medium warning, low notice", arguments: AlarmID.allCases)
    func raisedAlarmPriority(alarm: AlarmID) {
        let expected: SystemLog.Priority =
            switch alarm.priority {
            case .high: .critical
            case .medium: .warning
            case .low: .notice
            }
        #expect(SystemLog.priority(type: "alarm_raised", alarm: alarm) == expected)
        #expect(SystemLog.priority(type: SystemLog.alarmActiveAtStart, alarm: alarm) == expected)
        #expect(SystemLog.priority(type: "alarm_raised", alarm: alarm).rawValue <= SystemLog.Priority.notice.rawValue)
    }

    @Test("a cleared alarm, a state and a command are information; a key is a notice")
    func routinePriority() {
        #expect(SystemLog.priority(type: "alarm_cleared", alarm: .occlusion) == .info)
        #expect(SystemLog.priority(type: "state", alarm: nil) == .info)
        #expect(SystemLog.priority(type: "key_stop", alarm: nil) == .notice)
        // Every raised alarm of medium or high priority reaches `-p warning`; nothing routine does.
        #expect(AlarmID.allCases.filter { $0.priority >= .medium }.allSatisfy {
            SystemLog.priority(type: "alarm_raised", alarm: $0).rawValue <= SystemLog.Priority.warning.rawValue
        })
    }

    @Test("journald's protocol only when JOURNAL_STREAM names the very file standard error is")
    func journalStreamDetection() throws {
        let path = "/tmp/infusiond-systemlog-\(getpid())"
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor); unlink(path) }
        var status = stat()
        try #require(fstat(descriptor, &status) == 0)
        let named = "\(status.st_dev):\(status.st_ino)"
        #expect(SystemLog.journalStream(named, is: descriptor))
        #expect(!SystemLog.journalStream("\(status.st_dev):\(status.st_ino + 1)", is: descriptor))
        #expect(!SystemLog.journalStream(nil, is: descriptor))
        for malformed in ["", ":", "\(status.st_dev)", "\(status.st_dev):", "a:b", "\(named):1"] {
            #expect(!SystemLog.journalStream(malformed, is: descriptor), "\(malformed)")
        }
    }

    @Test("a line marked with a priority carries it to the system log; an unmarked or malformed one is information, unchanged")
    func marks() {
        for priority in [SystemLog.Priority.critical, .error, .warning, .notice, .info] {
            let (read, text) = SystemLog.unmark(SystemLog.marked(priority, "journal failure while sealing"))
            #expect(read == priority && text == "journal failure while sealing")
        }
        for plain in ["ready", "<>x", "<9>x", "<33>x", "<3x", "<a>x", "", "<"] {
            let (read, text) = SystemLog.unmark(plain)
            #expect(read == .info && text == plain, "\(plain)")
        }
    }
}
