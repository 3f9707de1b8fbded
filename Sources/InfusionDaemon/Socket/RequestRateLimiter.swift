import InfusionCore

/// A token bucket per connection: `perSecond` requests a second on average, in bursts of up to
/// `perSecond`. A request over the rate is answered `rate_limited`, not queued, so a flooding
/// client gets told and the daemon's work per client stays bounded.
public struct RequestRateLimiter: Sendable {
    public let perSecond: Int
    private var tokens: Double
    private var last: ControlInstant

    public init(perSecond: Int, at now: ControlInstant) {
        self.perSecond = perSecond
        tokens = Double(perSecond)
        last = now
    }

    /// Whether a request arriving at `now` may go ahead; takes its token if so.
    public mutating func admit(at now: ControlInstant) -> Bool {
        let elapsed = max(0, Double((now - last).nanoseconds) / 1e9)
        last = max(last, now)
        tokens = min(Double(perSecond), tokens + elapsed * Double(perSecond))
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
