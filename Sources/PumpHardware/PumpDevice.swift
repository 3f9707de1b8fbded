import InfusionCore

/// The hardware seam: what the control loop needs from a pump, whichever kind it is.
///
/// The GPIO stepper backend, the NE-1000 serial driver and the simulator each implement it and
/// publish the same ``SensorSnapshot``, so the tick cannot tell them apart.
public protocol PumpDevice {
    /// Reads every sensor at `now` into one snapshot.
    mutating func sample(at now: ControlInstant) -> SensorSnapshot
    /// Carries out what the tick decided; `interval` is the time until the next tick.
    mutating func apply(_ actuation: Actuation, at now: ControlInstant, interval: ControlDuration)
}
