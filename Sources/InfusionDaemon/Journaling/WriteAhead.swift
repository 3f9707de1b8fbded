import InfusionCore

/// DESIGN.md rule 5 between the loop and the journal: drug is written to the ledger, durably,
/// before the motor is commanded to deliver it, and never more than about a second ahead.
///
/// The journal thread calls ``commitment(commanded:picogramsPerSecond:durable:)`` every
/// `interval` and writes what it answers; the loop checks ``covers(commanded:nextTick:durable:)``
/// before each tick and, when the journal has fallen behind, tells the tick the journal is
/// unhealthy, which stops delivery with the journal-failure alarm in that tick. So after any crash
/// the ledger holds at least what was delivered, and at most that plus `margin` of flow plus one
/// commitment interval's.
public struct WriteAhead: Hashable, Sendable {
    /// How far ahead of the motor the ledger is kept: 1 s of the present flow, or longer for a
    /// pump that runs on by itself after its host dies (``forSafeModePump(timeout:)``).
    public let margin: ControlDuration
    /// How often the journal thread commits. Shorter than `margin`, so a healthy journal stays
    /// ahead however the flow changes between commitments.
    public let interval: ControlDuration

    public init(margin: ControlDuration = .seconds(1), interval: ControlDuration = .milliseconds(100)) {
        self.margin = margin
        self.interval = interval
    }

    /// An NE-1000 keeps infusing after the daemon dies until its safe-mode timeout, counted from
    /// the last packet it received, which was sent before the death: the ledger must already hold
    /// that much flow, plus a second for the pump's own timer and the poll in flight.
    public static func forSafeModePump(timeout: ControlDuration) -> WriteAhead {
        WriteAhead(margin: timeout + .seconds(1))
    }

    /// What the journal should make durable now, beyond `durable`: enough that the ledger covers
    /// `commanded` plus `margin` plus one interval at the present flow. Zero when it already does.
    public func commitment(commanded: Picograms, picogramsPerSecond: Double, durable: Picograms) -> Picograms {
        let ahead = max(0, picogramsPerSecond) * Double((margin + interval).nanoseconds) / 1e9
        let target = commanded.value &+ Int64(saturating: ahead, rounding: .up)
        return Picograms(max(0, target &- durable.value))
    }

    /// Whether the ledger already covers what the next tick may command (`nextTick`: the most
    /// one tick can deliver, e.g. the drive's maximum steps per period times the drug per step).
    public func covers(commanded: Picograms, nextTick: Picograms, durable: Picograms) -> Bool {
        commanded.value &+ nextTick.value <= durable.value
    }
}
