import Foundation
import InfusionCore
import PumpHardware

/// Waits, at start, for hardware that is not there yet: a USB serial adapter enumerates a second
/// or more after boot, a GPIO chip after its driver loads. Every start failure once exited 78,
/// which the unit never restarts, so a late adapter left the pump controller down for good
/// (issue 16). Now the start waits `hardware.appear_within` (10 s by default), saying what for,
/// and if it is still missing exits 75, which the unit restarts after `RestartSec`.
enum HardwareWait {
    static let pollInterval: useconds_t = 250_000

    /// Returns once everything is there; throws exit 75 naming what is still missing after the wait.
    static func untilPresent(_ loaded: LoadedConfiguration, log: @Sendable (String) -> Void) throws(StartupError) {
        var missing = StartChecks.run(loaded, simulatorLinked: true).notReady
        guard !missing.isEmpty else { return }
        let wait = loaded.configuration.hardwareWait
        log(SystemLog.marked(.warning, "waiting up to \(wait) for hardware: \(missing.joined(separator: "; "))"))
        let started = MonotonicClock.now()
        while !missing.isEmpty, MonotonicClock.now() - started < wait {
            usleep(pollInterval)
            missing = StartChecks.run(loaded, simulatorLinked: true).notReady
        }
        guard missing.isEmpty else {
            throw StartupError("\(missing.joined(separator: "; ")), still after \(wait); systemd will try again", exitCode: .notReady)
        }
        log("hardware appeared after \(MonotonicClock.now() - started)")
    }
}
