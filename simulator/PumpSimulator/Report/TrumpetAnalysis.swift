/// The IEC 60601-2-24 trumpet-curve analysis of a delivery record.
///
/// Delivered volume is sampled every 0.5 min. The analysis period is the second hour of a two-hour
/// run. For each observation window P (2, 5, 11, 19 and 31 min, i.e. m = P / 0.5 sample intervals)
/// every run of m consecutive intervals within the period gives a mean percentage error of flow
/// against the set rate; Ep(max) and Ep(min) are the largest and smallest of those means. A is the
/// mean error over the whole period. Commercial syringe pumps declare about ±2 % (B. Braun
/// Perfusor, at 1 mL/h).
public struct TrumpetAnalysis: Sendable, Codable {
    public struct Window: Sendable, Codable {
        public var minutes: Int
        public var maximumPercent: Double
        public var minimumPercent: Double
    }

    public static let windowMinutes = [2, 5, 11, 19, 31]
    public static let intervalMinutes = 0.5

    public var setRateMillilitresPerHour: Double
    public var overallPercent: Double
    public var windows: [Window]

    /// `volumes` are cumulative delivered volumes (mL) sampled every 0.5 min over the analysis
    /// period (so `count - 1` intervals). Nil when there are too few samples for the widest window.
    public init?(cumulativeVolumes volumes: [Double], setRate: Double) {
        guard setRate > 0 else { return nil }
        let flows = zip(volumes, volumes.dropFirst()).map { ($1 - $0) / (Self.intervalMinutes / 60) }
        let maximumWindow = Int(Double(Self.windowMinutes.last ?? 31) / Self.intervalMinutes)
        guard flows.count >= maximumWindow else { return nil }
        let errors = flows.map { 100 * ($0 - setRate) / setRate }
        setRateMillilitresPerHour = setRate
        overallPercent = errors.reduce(0, +) / Double(errors.count)
        windows = Self.windowMinutes.map { minutes in
            let count = Int(Double(minutes) / Self.intervalMinutes)
            var running = errors.prefix(count).reduce(0, +)
            var highest = running / Double(count)
            var lowest = highest
            for start in 1...(errors.count - count) {
                running += errors[start + count - 1] - errors[start - 1]
                highest = max(highest, running / Double(count))
                lowest = min(lowest, running / Double(count))
            }
            return Window(minutes: minutes, maximumPercent: highest, minimumPercent: lowest)
        }
    }
}
