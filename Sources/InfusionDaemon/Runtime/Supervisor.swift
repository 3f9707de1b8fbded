import Glibc
import InfusionCore
import PumpHardware

/// The loop's watcher, on its own thread (DESIGN.md section 3): a loop that has not beaten for
/// 50 ms is stalled; the supervisor then disables the motor itself (the loop cannot) and raises
/// the flag the loop's next tick turns into `loop_overrun`. It feeds systemd's watchdog only
/// while the loop is healthy, so a stalled loop is also restarted by systemd, and reports the
/// pump's state, rate and delivery as the service's STATUS.
public final class Supervisor: @unchecked Sendable {
    let heartbeat: LoopHeartbeat
    let gauges: LoopGauges
    let disableMotor: @Sendable () -> Void
    let log: @Sendable (String) -> Void
    let watchdogInterval: Int64?

    public init(
        heartbeat: LoopHeartbeat, gauges: LoopGauges, disableMotor: @escaping @Sendable () -> Void,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.heartbeat = heartbeat
        self.gauges = gauges
        self.disableMotor = disableMotor
        self.log = log
        watchdogInterval = SystemdNotifier.watchdogMicroseconds.map { Int64($0) * 1_000 }
    }

    public func run() {
        // The loop's first period comes after its real-time set-up (mlockall can take tens of
        // ms); watching starts from its first beat, or after a second if it never beats.
        let started = MonotonicClock.now()
        while heartbeat.count == 0, MonotonicClock.now() - started < .seconds(1), !gauges.finished.load(ordering: .acquiring) {
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&pause, nil)
        }
        var detector = StallDetector(at: MonotonicClock.now())
        var stalled = false
        var lastWatchdog: Int64 = 0
        var lastStatus: Int64 = 0
        var stopSeen = false
        while !gauges.finished.load(ordering: .acquiring) {
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            nanosleep(&pause, nil)
            let now = MonotonicClock.now()
            // A loop told to stop leaves its periods on purpose and then logs and makes the motor
            // safe; its silence is not a stall. The motor is made safe from here too, once, in
            // case the loop never gets that far. (Judged a stall before: a false loop_overrun
            // at shutdown, seen in the loaded bench-loop run and the demo.)
            if gauges.stopRequested.load(ordering: .acquiring) {
                if !stopSeen { disableMotor() }
                stopSeen = true
                continue
            }
            switch detector.observe(beats: heartbeat.count, at: now) {
            case .stalled(let since) where !stalled:
                stalled = true
                disableMotor()
                heartbeat.markOverran()
                log(SystemLog.marked(.error, "supervisor: the loop has not run for \((now - since).seconds.value * 1_000) ms; motor disabled, loop_overrun raised"))
            case .healthy where stalled:
                stalled = false
                heartbeat.markRecovered()
                log(SystemLog.marked(.notice, "supervisor: the loop runs again"))
            default: break
            }
            if let interval = watchdogInterval, !stalled, now.nanoseconds - lastWatchdog >= interval / 2 {
                lastWatchdog = now.nanoseconds
                SystemdNotifier.notify("WATCHDOG=1")
            }
            if now.nanoseconds - lastStatus >= 1_000_000_000 {
                lastStatus = now.nanoseconds
                SystemdNotifier.notify("STATUS=\(statusLine)")
            }
        }
    }

    /// "running, 2.45 mL/h, 1.234 mL delivered": what `systemctl status` shows.
    var statusLine: String {
        let state = InfusionState(code: UInt16(gauges.stateIndex.load(ordering: .relaxed)))?.wireName ?? "?"
        let rate = Double(gauges.rateMicrolitresPerHour.load(ordering: .relaxed)) / 1_000
        let delivered = Double(gauges.deliveredMicrolitres.load(ordering: .relaxed)) / 1_000
        return "\(state), \(rate) mL/h, \(delivered) mL delivered"
    }
}
