/// Everything the control tick decides, in one plain value the backend carries out.
public struct Actuation: Hashable, Sendable {
    /// The driver's enable line. False releases the motor (DESIGN.md rule 4: EN is active-low
    /// with a pull-up, so a dead process also releases it).
    public var motorEnabled: Bool
    /// Steps to emit before the next tick; negative only for the bounded back-off after occlusion.
    public var steps: Int64
    /// Flow now commanded, for a pump that takes a rate (NE-1000).
    public var rate: MillilitresPerHour
    /// Volume the caps and the program still allow: a smart pump's own volume limit.
    public var volumeLimit: Millilitres
    public var indicator: AlarmIndicator
    public var state: InfusionState
    /// Inner diameter of the loaded syringe in mm (0 without one): a smart pump is told it
    /// (NE-1000 `DIA`) because it computes its own delivery from it.
    public var syringeDiameter: Double

    public init(
        motorEnabled: Bool, steps: Int64, rate: MillilitresPerHour, volumeLimit: Millilitres,
        indicator: AlarmIndicator, state: InfusionState, syringeDiameter: Double = 0
    ) {
        self.motorEnabled = motorEnabled
        self.steps = steps
        self.rate = rate
        self.volumeLimit = volumeLimit
        self.indicator = indicator
        self.state = state
        self.syringeDiameter = syringeDiameter
    }

    public static let safe = Actuation(
        motorEnabled: false, steps: 0, rate: .zero, volumeLimit: .zero, indicator: .quiet, state: .noSyringe)
}
