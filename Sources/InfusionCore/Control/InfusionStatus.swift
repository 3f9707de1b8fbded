/// A read-only view of the controller for displays, reports and the socket.
public struct InfusionStatus: Hashable, Sendable {
    public var state: InfusionState
    public var rate: MillilitresPerHour
    public var programVolume: Millilitres?
    public var deliveredVolume: Millilitres
    public var deliveredDrug: Milligrams
    public var timeRemaining: Seconds?
    public var syringeRemaining: Millilitres?
    public var pressure: MillimetresOfMercury
    public var activeAlarms: [AlarmID]
    public var highestAlarm: AlarmID?
    public var deliveredInWindow: [DoseWindow: Milligrams]
}
