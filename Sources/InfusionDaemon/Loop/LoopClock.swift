import InfusionCore

/// Control time for the loop (DESIGN.md rule 9): CLOCK_MONOTONIC since this start, scaled for a
/// simulator demonstration, added to the control time the journal persisted before. So a restart
/// or a reboot (which resets CLOCK_MONOTONIC) never moves control time backwards, and a wall-clock
/// jump never moves it at all: the rolling dose windows only ever see time go forward.
///
/// Time the daemon was down is not counted: the windows keep that delivery for longer than they
/// would in wall time, which over-counts, the safe side of a cap.
public struct LoopClock: Hashable, Sendable {
    /// CLOCK_MONOTONIC at start, in ns.
    public let monotonicOrigin: Int64
    /// Control time at start: the journal's last persisted value, plus a margin.
    public let controlOrigin: Int64
    /// Control time per unit of monotonic time: 1 on hardware, up to 600 in the simulator.
    public let scale: Double

    /// `persisted` is the last control time the journal holds; control time resumes one second
    /// after it, so no record written just before a crash can land in the future.
    public init(persisted: Int64, monotonicNow: Int64, scale: Double = 1) {
        monotonicOrigin = monotonicNow
        controlOrigin = persisted + 1_000_000_000
        self.scale = scale
    }

    public func control(atMonotonic monotonic: Int64) -> ControlInstant {
        let elapsed = max(0, monotonic - monotonicOrigin)
        return ControlInstant(nanoseconds: controlOrigin + Int64((Double(elapsed) * scale).rounded(.down)))
    }

    /// The monotonic instant at which control time reaches `instant`: the loop sleeps until it.
    public func monotonic(atControl instant: ControlInstant) -> Int64 {
        monotonicOrigin + Int64((Double(instant.nanoseconds - controlOrigin) / scale).rounded(.up))
    }

    /// The loop's period in control time: 1 ms of monotonic time, scaled.
    public var period: ControlDuration { ControlDuration(nanoseconds: Int64((1_000_000 * scale).rounded())) }
}
