import CSystemd
import Glibc
import InfusionCore

/// What the daemon tells the board's system log, with a priority.
///
/// Under systemd, whose journal holds the daemon's standard error (`JOURNAL_STREAM` names it),
/// a line carries its priority as a syslog prefix (`<3>`), which journald reads off the stream,
/// and every pump event (an alarm raised or cleared, a state, a key) is sent to journald itself
/// with fields: `INFUSIOND_EVENT` (the event log's type) and, for alarms, `INFUSIOND_ALARM` and
/// `INFUSIOND_ALARM_PRIORITY`. So `journalctl -u infusiond -p warning` lists the alarms, and
/// `journalctl INFUSIOND_ALARM=occlusion` finds every occlusion. Anywhere else (a terminal, the
/// tests) lines are plain, as before, and events stay in the event log (`infusionctl history`).
public struct SystemLog: Sendable {
    /// syslog(3)'s levels, which journald keeps as PRIORITY.
    public enum Priority: Int32, Sendable {
        case critical = 2, error = 3, warning = 4, notice = 5, info = 6
    }

    /// Whether standard error is journald's stream: decided once, at start.
    public let toJournal: Bool

    public init(toJournal: Bool) { self.toJournal = toJournal }

    /// The daemon's own: journald's when systemd gave it its stream, else plain.
    public static let standard = SystemLog(toJournal: standardErrorIsJournal())

    /// True when `JOURNAL_STREAM` ("device:inode") is the file standard error is, as systemd's
    /// documentation asks a program to check before speaking journald's protocol.
    public static func standardErrorIsJournal() -> Bool {
        journalStream(getenv("JOURNAL_STREAM").map { String(cString: $0) }, is: 2)
    }

    /// Whether `stream`, a `JOURNAL_STREAM` value, names the file open as `descriptor`.
    public static func journalStream(_ stream: String?, is descriptor: Int32) -> Bool {
        guard let parts = stream?.split(separator: ":", omittingEmptySubsequences: false), parts.count == 2,
            let device = UInt64(parts[0]), let inode = UInt64(parts[1])
        else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// `text` marked with `priority` in sd-daemon(3)'s way (`<3>…`), for the daemon's `log`
    /// closures, which carry only a string: ``line(_:)`` reads the mark back. Unmarked is info.
    public static func marked(_ priority: Priority, _ text: String) -> String { "<\(priority.rawValue)>\(text)" }

    /// Splits a leading mark off `text`: its priority, and the text without it.
    public static func unmark(_ text: String) -> (Priority, String) {
        guard text.hasPrefix("<"), let close = text.firstIndex(of: ">"), text.distance(from: text.startIndex, to: close) == 2,
            let value = Int32(text[text.index(after: text.startIndex)..<close]), let priority = Priority(rawValue: value)
        else { return (.info, text) }
        return (priority, String(text[text.index(after: close)...]))
    }

    /// One line on standard error, prefixed with its priority when journald reads it.
    public func line(_ priority: Priority, _ text: String) {
        let output = toJournal ? "<\(priority.rawValue)>\(text)\n" : "\(text)\n"
        _ = output.withCString { write(2, $0, strlen($0)) }
    }

    /// A pump event, to journald with its fields; nothing elsewhere (the event log has it).
    public func event(type: String, details: String, alarm: AlarmID? = nil) {
        guard toJournal else { return }
        var fields = [
            "MESSAGE=infusiond: \(type.replacingOccurrences(of: "_", with: " ")): \(details)",
            "PRIORITY=\(Self.priority(type: type, alarm: alarm).rawValue)",
            "SYSLOG_IDENTIFIER=infusiond",
            "INFUSIOND_EVENT=\(type)",
        ]
        if let alarm {
            fields.append("INFUSIOND_ALARM=\(alarm.name)")
            fields.append("INFUSIOND_ALARM_PRIORITY=\(alarm.priority)")
        }
        Self.send(fields)
    }

    /// The event type of an alarm a start comes back with (``JournalWriter/recordActiveAtStart(_:)``).
    public static let alarmActiveAtStart = "alarm_active_at_start"

    /// A raised alarm, or one active at start, at its own weight (high: critical, medium:
    /// warning, low: notice); its clearing, a state or a key press is information.
    public static func priority(type: String, alarm: AlarmID?) -> Priority {
        guard type == "alarm_raised" || type == alarmActiveAtStart, let alarm else { return type.hasPrefix("key_") ? .notice : .info }
        switch alarm.priority {
        case .high: return .critical
        case .medium: return .warning
        case .low: return .notice
        }
    }

    private static func send(_ fields: [String]) {
        let strings = fields.compactMap { strdup($0) }
        defer { for string in strings { free(string) } }
        var vectors = strings.map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0)) }
        _ = sd_journal_sendv(&vectors, Int32(vectors.count))
    }
}
