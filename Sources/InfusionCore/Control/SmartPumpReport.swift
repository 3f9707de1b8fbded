/// A smart pump's own account of its delivery (NE-1000 `DIS`), as the serial driver publishes it
/// into the sensor snapshot. All counts are steps of the loaded syringe on the same counter as
/// ``SensorSnapshot/motorSteps``, which for a smart pump counts the steps the loop commanded.
public struct SmartPumpReport: Hashable, Sendable {
    /// Increases with every new `DIS` reading, so the loop checks each reading once.
    public var reading: UInt64
    /// Delivery the pump's own count has proved, since the driver's baseline.
    public var confirmedSteps: Int64
    /// What the loop had commanded when the reading's request left, and when its reply arrived:
    /// the pump's true count lies between them, give or take the command latency.
    public var commandedAtRequest: Int64
    public var commandedAtReply: Int64
    /// The pump's count is printed to four digits: this many steps can hide in the last one.
    public var resolutionSteps: Int64
    /// More the pump may have pushed that no reply has proved or disproved: after a command whose
    /// outcome is unknown (a timeout after `RUN`), the worst case until `DIS` says otherwise.
    public var unconfirmedSteps: Int64
    /// The pump reported its motor stalled (`A?S`).
    public var stalled: Bool
    /// The reading was taken with the pump stopped: its count is final until the next `RUN`.
    public var pumpStopped: Bool
    /// Steps the loop counted while the pump stood still waiting for a start or a restart it was
    /// sent (the start plan's round trips), since the driver's baseline: the pump trails the
    /// loop's count by this much for good, measured rather than assumed.
    public var standstillSteps: Int64

    public init(
        reading: UInt64, confirmedSteps: Int64, commandedAtRequest: Int64, commandedAtReply: Int64,
        resolutionSteps: Int64, unconfirmedSteps: Int64, stalled: Bool, pumpStopped: Bool = false, standstillSteps: Int64 = 0
    ) {
        self.pumpStopped = pumpStopped
        self.standstillSteps = standstillSteps
        self.reading = reading
        self.confirmedSteps = confirmedSteps
        self.commandedAtRequest = commandedAtRequest
        self.commandedAtReply = commandedAtReply
        self.resolutionSteps = resolutionSteps
        self.unconfirmedSteps = unconfirmedSteps
        self.stalled = stalled
    }
}
