import CSystemd

/// sd_notify through libsystemd: READY, STATUS and WATCHDOG for a `Type=notify` service. Outside
/// systemd (no NOTIFY_SOCKET) every call is a no-op, so the demo and the tests run the same code.
public enum SystemdNotifier {
    @discardableResult
    public static func notify(_ assignments: String) -> Bool {
        sd_notify(0, assignments) > 0
    }

    /// The watchdog interval systemd asked for (WatchdogSec), in µs; nil when none.
    public static var watchdogMicroseconds: UInt64? {
        var microseconds: UInt64 = 0
        return sd_watchdog_enabled(0, &microseconds) > 0 ? microseconds : nil
    }
}
