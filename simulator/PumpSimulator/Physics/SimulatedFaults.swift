import InfusionCore

/// Fault switches on the simulated pump, one per failure mode (after LoopKit's
/// `MockPumpManagerState`): tests and scenarios flip them; the physics does the rest.
public struct SimulatedFaults: Hashable, Sendable {
    /// The motor receives pulses but the plunger does not move (jammed lead screw).
    public var motorStalled = false
    /// The plunger moves by itself at this rate, with no pulses (a driver or gear fault).
    public var runawayRate = MillilitresPerHour.zero
    /// The encoder stops counting.
    public var encoderFailed = false
    /// The load cell's output is lost (the amplifier returns no number).
    public var forceSensorFailed = false
    /// The syringe has been pulled out of its clamp.
    public var syringeDisengaged = false
    /// Health flags the daemon would set; the simulator lets scenarios set them.
    public var pumpLinkLost = false
    public var journalFailed = false
    /// The journal was found lost at start (the daemon's flag until an admin accepts).
    public var journalLost = false
    public var loopOverran = false

    public init() {}
}
