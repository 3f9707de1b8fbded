/// Detects a downstream occlusion from the line pressure, two ways:
///
/// - **Level**: pressure at or above the threshold (500 mmHg by default, always below the GIP
///   1.10.x limit of 1 034 mmHg).
/// - **Rate of rise**: pressure above a floor (200 mmHg), rising by at least 2 mmHg/s in each
///   quarter of the last 10 s, and not slowing: the newest quarter rises at least half as fast as
///   the window as a whole. An occluded line fills its compliance at the infusion rate, so pressure
///   climbs steadily; an open line settles at a plateau. This catches a complete occlusion at
///   moderate rates well before the level, shortening time to alarm and the bolus stored in the
///   line. A step of flow into an open line (a fast loading bolus) climbs to its plateau along a
///   slowing curve and stays there; judged over the whole window alone it read as an occlusion
///   above 200 mmHg, stopping a 700 mL/h loading bolus at 1.9 mL of 35 (red team, issue 14 F10).
///
/// Pressure is sampled into a ring every 100 ms of control time, so the result is the same whether
/// the tick is 1 ms or 10 ms. The ring is allocated once, at initialisation.
public struct OcclusionDetector: Sendable {
    public static var samplePeriod: ControlDuration { ControlDuration(nanoseconds: 100_000_000) }

    private let threshold: Double
    private let riseFloor: Double
    private let riseRate: Double
    private let windowSamples: Int
    private var ring: [Double]
    private var nextSlot = 0
    private var samplesTaken = 0
    private var nextSampleAt = ControlInstant.origin

    public init(settings: ControllerSettings) {
        threshold = settings.occlusionThreshold.value
        riseFloor = settings.occlusionRiseFloor.value
        riseRate = settings.occlusionRiseMillimetresOfMercuryPerSecond
        windowSamples = max(1, Int(settings.occlusionRiseWindow.nanoseconds / Self.samplePeriod.nanoseconds))
        ring = [Double](repeating: 0, count: windowSamples + 1)
    }

    /// Forgets the pressure history (a new syringe, or delivery restarting after a stop).
    public mutating func reset(at now: ControlInstant) {
        samplesTaken = 0
        nextSlot = 0
        nextSampleAt = now
    }

    /// Feeds one pressure reading; returns whether the occlusion condition is present.
    public mutating func observe(_ pressure: MillimetresOfMercury, at now: ControlInstant, delivering: Bool) -> Bool {
        if pressure.value >= threshold { return true }
        guard delivering else { return false }
        guard now >= nextSampleAt else { return false }
        nextSampleAt = nextSampleAt + Self.samplePeriod
        if nextSampleAt <= now { nextSampleAt = now + Self.samplePeriod }
        ring[nextSlot] = pressure.value
        nextSlot = (nextSlot + 1) % ring.count
        samplesTaken += 1
        guard samplesTaken > windowSamples, pressure.value >= riseFloor else { return false }
        // The oldest sample in the ring is exactly one window ago; sample k of the window is k
        // after it. Four quarters, each rising; no loop with a closure, nothing allocated.
        let quarter = max(windowSamples / 4, 1)
        let seconds = Double(quarter) * Self.samplePeriod.seconds.value
        var previous = ring[nextSlot]
        var slope = 0.0
        for index in 1...4 {
            let sample = index == 4 ? pressure.value : ring[(nextSlot + quarter * index) % ring.count]
            slope = (sample - previous) / seconds
            guard slope >= riseRate else { return false }
            previous = sample
        }
        let whole = (pressure.value - ring[nextSlot]) / (Double(windowSamples) * Self.samplePeriod.seconds.value)
        return slope >= whole / 2
    }
}
