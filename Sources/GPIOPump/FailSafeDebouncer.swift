import InfusionCore
import PumpHardware

/// Debounces a switch or sensor so that the unsafe reading is believed at once and the safe one
/// only once it has held for `settle`.
///
/// An opening clamp, a closing end-of-travel contact or air at the sensor reaches the tick on its
/// first edge (DESIGN.md rule 3: within one control period); contact bounce can then only delay the
/// return to the safe state, never hide the unsafe one.
public struct FailSafeDebouncer: Hashable, Sendable {
    public let unsafeLevel: Bool
    public let settle: ControlDuration
    private var raw: Bool
    private var rawSince: ControlInstant
    public private(set) var level: Bool

    public init(initial: Bool, unsafeLevel: Bool, settle: ControlDuration, at now: ControlInstant) {
        self.unsafeLevel = unsafeLevel
        self.settle = settle
        raw = initial
        rawSince = now
        level = initial
    }

    public mutating func edge(_ asserted: Bool, at instant: ControlInstant) {
        raw = asserted
        rawSince = instant
        if asserted == unsafeLevel { level = unsafeLevel }
    }

    /// Lets a safe reading that has held long enough through.
    public mutating func settle(at now: ControlInstant) {
        if level != raw, now - rawSince >= settle { level = raw }
    }
}
