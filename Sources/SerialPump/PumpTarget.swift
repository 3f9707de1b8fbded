/// What the loop wants the pump doing, from the latest actuation.
public struct PumpTarget: Hashable, Sendable {
    public var running: Bool
    /// mL/h.
    public var rate: Double
    /// What the caps, the program and the syringe still allow, in mL: the pump's own volume
    /// target, so it stops there by itself even if the host dies.
    public var volumeLimit: Double
    /// Inner diameter of the loaded syringe, mm (0 without one).
    public var diameter: Double
    /// The program completed normally: the pump is not stopped but left to reach the volume
    /// target it was given (the program's remainder), so its delivery ends exactly there rather
    /// than a command's latency early.
    public var finishing: Bool

    public init(running: Bool, rate: Double, volumeLimit: Double, diameter: Double, finishing: Bool = false) {
        self.finishing = finishing
        self.running = running
        self.rate = rate
        self.volumeLimit = volumeLimit
        self.diameter = diameter
    }

    public static let stopped = PumpTarget(running: false, rate: 0, volumeLimit: 0, diameter: 0, finishing: false)
}
