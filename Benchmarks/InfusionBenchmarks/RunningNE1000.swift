import InfusionCore
import SerialPump

/// The CRPS program on the NE-1000 path: one control period as the daemon runs it with a serial
/// pump (``SerialPumpDevice`` samples the driver's mailbox, the tick cross-checks the pump's
/// count, `apply` leaves the target in the mailbox). The benchmark plays the driver thread: every
/// 250 periods, as the driver polls `DIS`, it posts a reading that confirms what was commanded
/// a poll ago. The serial line itself is benchmarked apart (`serial-roundtrip`).
struct RunningNE1000 {
    var controller: InfusionController
    var device: SerialPumpDevice
    var now = ControlInstant.origin
    private var periods = 0
    private var reading: UInt64 = 0
    private var commandedAtLastPoll: Int64 = 0

    init() throws {
        let driver = SerialPumpDriver(mailboxOnly: SerialPumpSettings())
        driver.mailbox.withLock { $0.linkHealthy = true }
        device = SerialPumpDevice(driver: driver)
        // A smart pump has no encoder the loop reads; its own count (DIS) is the cross-check.
        controller = InfusionController(settings: ControllerSettings(encoderFitted: false), startingAt: now)
        try startCRPSProgram(&controller, at: now)
        for _ in 0..<10_000 { self.period() }
        guard controller.state == .running else { fatalError("the NE-1000 benchmark program is \(controller.state), not running") }
    }

    @inline(__always)
    mutating func period() {
        now = now + ControlDuration(nanoseconds: 1_000_000)
        periods &+= 1
        if periods % 250 == 0 { postReading() }
        let sensors = device.sample(at: now)
        let actuation = controller.tick(now: now, sensors: sensors)
        device.apply(actuation, at: now, interval: ControlDuration(nanoseconds: 1_000_000))
    }

    /// What the driver posts after a `DIS` reply: the pump has done what was commanded when the
    /// previous poll's request left, within its last printed digit.
    private mutating func postReading() {
        reading &+= 1
        let report = SmartPumpReport(
            reading: reading, confirmedSteps: commandedAtLastPoll, commandedAtRequest: commandedAtLastPoll,
            // DIS's last printed digit at these volumes is 0.001 mL, 2.9 steps of the BD 50 mL
            // syringe, rounded up as the driver does.
            commandedAtReply: device.commanded, resolutionSteps: 3, unconfirmedSteps: 0, stalled: false)
        commandedAtLastPoll = device.commanded
        device.driver.mailbox.withLock { $0.report = report }
    }
}
