import GPIOPump
import InfusionCore
import PumpHardware
import SerialPump

/// The NE-1000 as the daemon's pump. It learns of a syringe from the diameter each actuation
/// carries, and has no faults to inject.
extension SerialPumpDevice: DaemonDevice {}

/// What the supervisor does to a stalled loop's motor (DESIGN.md section 3), from its own thread.
///
/// For the GPIO board it drives EN to released through the line the loop holds:
/// `gpiod_line_set_value` is one ioctl on that line's file descriptor, which the kernel
/// serialises, and the loop, being stalled, is not writing it. Should the loop wake and write EN
/// again, its next tick already sees `loop_overrun` and releases it. For the NE-1000 the driver
/// thread (which a stalled loop does not hold up) is told to stop the pump with STP.
struct MotorRelease: @unchecked Sendable {
    private let release: () -> Void

    private init(_ release: @escaping () -> Void) { self.release = release }

    func callAsFunction() { release() }

    /// The simulator moves only inside the loop's `apply`: a stalled loop moves nothing.
    static let nothingToRelease = MotorRelease {}

    static func enableLine(of lines: LibGPIODLines) -> MotorRelease {
        MotorRelease { try? lines.set(.enable, false) }
    }

    static func stopPump(_ driver: SerialPumpDriver) -> MotorRelease {
        MotorRelease { driver.stopNow() }
    }
}

/// The reference board as the daemon's pump: its switches say whether a syringe is clamped, its
/// demand button's presses are recorded by the loop. The lines are owned by the loop thread once
/// it starts; only the supervisor's ``MotorRelease`` touches them besides, and only EN.
///
/// `GPIOStepperPump` times its switches, HX711 and indicators
/// in CLOCK_MONOTONIC, the clock the kernel stamps GPIO edge events with, while the loop runs in
/// control time (``LoopClock``: monotonic plus the journal's persisted offset). This converts at
/// the seam, so an edge and the tick that reads it are compared on one clock. The board runs at
/// scale 1 only (`time_scale` is refused for hardware), so the conversion is an offset.
public struct GPIOBoardDevice<Lines: GPIOLines>: DaemonDevice, @unchecked Sendable {
    public var pump: GPIOStepperPump<Lines>
    let clock: LoopClock

    /// `kernelNow`: the lines' clock now (CLOCK_MONOTONIC on the board).
    public init(lines: Lines, map: PinMap, clock: LoopClock, kernelNow: ControlInstant = MonotonicClock.now()) throws(GPIOLineError) {
        self.clock = clock
        pump = try GPIOStepperPump(lines: lines, map: map, at: kernelNow)
    }

    private func kernelTime(_ now: ControlInstant) -> ControlInstant {
        ControlInstant(nanoseconds: clock.monotonic(atControl: now))
    }

    public mutating func sample(at now: ControlInstant) -> SensorSnapshot { pump.sample(at: kernelTime(now)) }

    public mutating func apply(_ actuation: Actuation, at now: ControlInstant, interval: ControlDuration) {
        pump.apply(actuation, at: kernelTime(now), interval: interval)
    }

    public var demandPresses: Int64 { pump.demandPresses }

    /// Occlusion detection reads the load cell: no syringe before it has given a reading.
    public var notReadyForSyringe: String? {
        guard pump.forceSensor.readings == 0 else { return nil }
        let stuck = pump.forceSensor.stuckReadouts
        let why = pump.forceSensor.dataLowAtLastPoll
            ? "DOUT stuck low: \(stuck) read-outs dropped"
            : "DOUT is high: no conversion signalled; the HX711 unplugged or unpowered"
        return "the force sensor has given no reading (\(why)); check the HX711's wiring"
    }
}
