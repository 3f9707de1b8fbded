/// Sizes bubbles from the air sensor: while the sensor sees air, the volume pumped past it is the
/// bubble's volume. A bubble larger than the limit (GIP 1.9.1: 200 µL) is the alarm condition;
/// smaller bubbles pass and are forgotten when the sensor sees liquid again.
public struct AirInLineDetector: Hashable, Sendable {
    private let limitMillilitres: Double
    public private(set) var currentBubbleMillilitres = 0.0

    public init(limit: Millilitres) {
        limitMillilitres = limit.value
    }

    /// `pumped` is the volume moved since the previous reading.
    public mutating func observe(airSeen: Bool, pumped: Millilitres) -> Bool {
        guard airSeen else {
            currentBubbleMillilitres = 0
            return false
        }
        currentBubbleMillilitres += max(pumped.value, 0)
        return currentBubbleMillilitres > limitMillilitres
    }
}
