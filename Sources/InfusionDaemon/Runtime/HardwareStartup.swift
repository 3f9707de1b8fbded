import Glibc
import GPIOPump
import InfusionCore
import PumpHardware
import SerialPump

/// Opening the configured hardware before the daemon takes clients. Each failure names the
/// configuration key and what the system said, and leaves nothing held.
enum HardwareStartup {
    /// How long the daemon waits for the NE-1000's handshake before taking clients. A pump that
    /// has not answered by then is reported and the daemon starts anyway, with `pump_link_lost`
    /// raised: a technician can see why nothing can start, and the driver keeps trying.
    static var linkWait: Duration { .seconds(5) }

    /// `loopCPU`: the CPU the loop will have to itself; the driver's thread keeps off it. On it,
    /// the driver waited behind the SCHED_FIFO loop: in the boot stage's guest a healthy pump's
    /// replies came later than the 150 ms reply timeout, and a program stopped with
    /// pump_link_lost.
    static func openNE1000(
        port: String, settings: SerialPumpSettings, loopCPU: Int32?, log: @escaping @Sendable (String) -> Void
    ) throws(StartupError) -> SerialPumpDriver {
        let driver: SerialPumpDriver
        do {
            driver = try SerialPumpDriver(
                portName: port, settings: settings, threadSetUp: { if let loopCPU { RealTimeSetup.keepOff(loopCPU) } }
            ) { event in log("ne1000: \(event)") }
        } catch {
            throw StartupError(
                "hardware.port: \(port): \(error)\(error.notReady ? "; systemd will try again" : "")", exitCode: error.notReady ? .notReady : .configuration)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + linkWait
        while !driver.linkHealthy, clock.now < deadline {
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            nanosleep(&pause, nil)
        }
        log(
            driver.linkHealthy
                ? "ne1000: the pump on \(port) answered its handshake"
                : "ne1000: the pump on \(port) has not answered within \(linkWait); starting with pump_link_lost, the driver keeps trying")
        return driver
    }

    static func openLines(_ map: PinMap) throws(StartupError) -> LibGPIODLines {
        do {
            return try LibGPIODLines(map: map)
        } catch {
            throw StartupError(
                "hardware.pin_map: \(error)\(error.notReady ? "; systemd will try again" : "")", exitCode: error.notReady ? .notReady : .configuration)
        }
    }
}
