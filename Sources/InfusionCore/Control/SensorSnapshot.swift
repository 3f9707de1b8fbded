/// Everything the control tick reads, in one plain value.
///
/// The GPIO backend, the NE-1000 driver and the simulator all publish exactly this type, so the
/// tick cannot tell them apart (STYLE.md: the simulated device publishes what the real one does).
public struct SensorSnapshot: Hashable, Sendable {
    /// Force on the plunger from the load cell (HX711), in newtons.
    public var plungerForceNewtons: Double
    /// The air-in-line sensor sees air at this instant.
    public var airInLine: Bool
    /// The syringe clamp switch is closed.
    public var syringeClamped: Bool
    /// The plunger end-of-travel switch is closed: the syringe is empty.
    public var plungerAtEndOfTravel: Bool
    /// Signed count of step pulses the driver has actually emitted since it started.
    public var motorSteps: Int64
    /// Quadrature encoder count since it started, where an encoder is fitted.
    public var encoderCounts: Int64?
    /// Health of the things outside the tick that delivery depends on, set by the daemon.
    public var pumpLinkHealthy: Bool
    public var journalHealthy: Bool
    /// The journal was found lost at start and no admin has accepted it yet (DESIGN.md rule 11).
    public var journalLost: Bool
    /// The front panel's STOP key is held, or its wire is broken (it is wired to read so): no
    /// delivery while it is (issue 15). False on a pump without the key.
    public var stopKeyHeld: Bool
    /// Presses of the front panel's SILENCE key since start (debounced): each pauses the alarm
    /// sound, as `silence` does.
    public var silenceKeyPresses: Int64
    public var loopOverran: Bool
    /// A smart pump's own count of its delivery (NE-1000); nil for a stepper.
    public var pumpReport: SmartPumpReport?
    /// Lifetime drug the journal has made durable (DESIGN.md rule 5, write-ahead): the tick
    /// commands no forward step the durable ledger does not already cover. nil where nothing is
    /// journalled (the simulator's virtual time).
    public var durableLedger: Picograms?
    /// The pulse oximeter's latest report (issue 17); nil where none is fitted.
    public var oximeter: OximeterReport?

    public init(
        plungerForceNewtons: Double = 0, airInLine: Bool = false, syringeClamped: Bool = true,
        plungerAtEndOfTravel: Bool = false, motorSteps: Int64 = 0, encoderCounts: Int64? = nil,
        pumpLinkHealthy: Bool = true, journalHealthy: Bool = true, loopOverran: Bool = false,
        pumpReport: SmartPumpReport? = nil, durableLedger: Picograms? = nil, journalLost: Bool = false,
        stopKeyHeld: Bool = false, silenceKeyPresses: Int64 = 0, oximeter: OximeterReport? = nil
    ) {
        self.oximeter = oximeter
        self.journalLost = journalLost
        self.stopKeyHeld = stopKeyHeld
        self.silenceKeyPresses = silenceKeyPresses
        self.durableLedger = durableLedger
        self.pumpReport = pumpReport
        self.plungerForceNewtons = plungerForceNewtons
        self.airInLine = airInLine
        self.syringeClamped = syringeClamped
        self.plungerAtEndOfTravel = plungerAtEndOfTravel
        self.motorSteps = motorSteps
        self.encoderCounts = encoderCounts
        self.pumpLinkHealthy = pumpLinkHealthy
        self.journalHealthy = journalHealthy
        self.loopOverran = loopOverran
    }
}
