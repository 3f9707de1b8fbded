import InfusionCore
import PumpHardware

/// The NE-1000 as the control loop sees it: a ``PumpDevice`` whose steps are the ones the loop
/// commanded (the pump makes its own) and whose sensor snapshot carries the pump's own count.
///
/// Neither call waits: each only tries the driver's mailbox and keeps its last values when the
/// driver holds it, so the tick's thread never blocks on the serial thread.
public struct SerialPumpDevice: PumpDevice, Sendable {
    public let driver: SerialPumpDriver
    /// Forward steps the loop has commanded: the pump delivers them at the rate it was given.
    /// A smart pump does not back off; negative steps are not counted.
    public private(set) var commanded: Int64 = 0
    private var report: SmartPumpReport?
    private var linkHealthy = false

    public init(driver: SerialPumpDriver) {
        self.driver = driver
    }

    public mutating func sample(at now: ControlInstant) -> SensorSnapshot {
        if let latest = driver.mailbox.withLockIfAvailable({ ($0.report, $0.linkHealthy) }) {
            report = latest.0
            linkHealthy = latest.1
        }
        return SensorSnapshot(motorSteps: commanded, pumpLinkHealthy: linkHealthy, pumpReport: report)
    }

    public mutating func apply(_ actuation: Actuation, at now: ControlInstant, interval: ControlDuration) {
        if actuation.steps > 0 { commanded += actuation.steps }
        let target = PumpTarget(
            running: actuation.motorEnabled && actuation.rate.value > 0, rate: actuation.rate.value,
            volumeLimit: actuation.volumeLimit.value, diameter: actuation.syringeDiameter,
            finishing: actuation.state == .completed)
        let total = commanded
        _ = driver.mailbox.withLockIfAvailable {
            $0.target = target
            $0.commanded = total
        }
    }
}
