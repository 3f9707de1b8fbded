import InfusionCore
import Synchronization

/// The loop's pulse, read by the supervisor thread: the loop adds one per period (an atomic add:
/// no lock, no allocation); the supervisor raises the overrun flag that the loop's next tick reads.
public final class LoopHeartbeat: Sendable {
    private let beats = Atomic<Int64>(0)
    private let overran = Atomic<Bool>(false)

    public init() {}

    /// Called by the loop once per period.
    public func beat() { beats.add(1, ordering: .releasing) }
    public var count: Int64 { beats.load(ordering: .acquiring) }

    /// Set by the supervisor when the loop stalled; the tick raises `loop_overrun` from it.
    public func markOverran() { overran.store(true, ordering: .releasing) }
    /// Set by the supervisor once the loop beats again: the condition is gone (the alarm, being
    /// high priority, stays latched until a technician resets it).
    public func markRecovered() { overran.store(false, ordering: .releasing) }
    public var hasOverran: Bool { overran.load(ordering: .acquiring) }
}

/// The supervisor's judgement, in whatever time it is given: the loop is stalled when its beat has
/// not moved for longer than `limit` (50 ms: fifty missed periods, well past any scheduling noise
/// and well inside what a patient could notice).
public struct StallDetector: Hashable, Sendable {
    public enum Verdict: Hashable, Sendable {
        case healthy
        /// No beat since `since`; the motor must be disabled and the overrun raised.
        case stalled(since: ControlInstant)
    }

    public let limit: ControlDuration
    private var lastCount: Int64?
    private var lastChange: ControlInstant

    public init(limit: ControlDuration = .milliseconds(50), at now: ControlInstant) {
        self.limit = limit
        lastChange = now
    }

    public mutating func observe(beats: Int64, at now: ControlInstant) -> Verdict {
        if beats != lastCount {
            lastCount = beats
            lastChange = now
            return .healthy
        }
        return now - lastChange > limit ? .stalled(since: lastChange) : .healthy
    }
}
