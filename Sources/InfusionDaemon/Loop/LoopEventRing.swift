import Synchronization

/// What the loop tells the journal, as it happens: an alarm raised or cleared, a change of state,
/// a press of the patient's demand button.
/// Plain numbers only, so recording one in the loop allocates nothing.
public struct LoopEvent: Hashable, Sendable {
    public enum Kind: UInt8, Sendable {
        case alarmRaised, alarmCleared, stateChanged
        /// The patient pressed the demand button (`code` presses this period); recorded, not dosed.
        case demandPressed
        /// The front panel's STOP key was pressed (`code` 1) or released (0).
        case stopKey
        /// The front panel's SILENCE key was pressed (`code` presses this period).
        case silenceKey
        /// The vital-signs interlock's verdict changed (`code`: ``VitalsEventCode``).
        case vitals
    }

    public var kind: Kind
    /// The alarm's ``InfusionCore/AlarmID`` raw value, or the new state's index.
    public var code: UInt16
    public var controlNanoseconds: Int64

    public init(kind: Kind, code: UInt16, controlNanoseconds: Int64) {
        self.kind = kind
        self.code = code
        self.controlNanoseconds = controlNanoseconds
    }
}

/// A single-producer, single-consumer ring from the loop to the journal thread: wait-free for
/// both, no lock, no allocation after `init`. The loop is the only producer and the journal thread
/// the only consumer; each index is written by one side and read by the other.
///
/// A full ring refuses the event (`push` answers false): the loop then treats the journal as
/// unhealthy, since an event log with a hole in it is not one (DESIGN.md rule 8).
public final class LoopEventRing: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<LoopEvent>
    private let mask: Int
    /// Next slot the producer writes; only the producer stores it.
    private let head = Atomic<Int>(0)
    /// Next slot the consumer reads; only the consumer stores it.
    private let tail = Atomic<Int>(0)

    /// `capacity` is rounded up to a power of two.
    public init(capacity: Int) {
        var size = 1
        while size < max(2, capacity) { size <<= 1 }
        slots = .allocate(capacity: size)
        slots.initialize(repeating: LoopEvent(kind: .stateChanged, code: 0, controlNanoseconds: 0), count: size)
        mask = size - 1
    }

    deinit { slots.deallocate() }

    public var capacity: Int { mask + 1 }

    /// Producer side (the loop). False when the ring is full; nothing is overwritten.
    public func push(_ event: LoopEvent) -> Bool {
        let at = head.load(ordering: .relaxed)
        guard at - tail.load(ordering: .acquiring) <= mask else { return false }
        slots[at & mask] = event
        head.store(at + 1, ordering: .releasing)
        return true
    }

    /// Consumer side (the journal thread): hands every event pushed so far to `body`, in order.
    @discardableResult
    public func drain(_ body: (LoopEvent) -> Void) -> Int {
        let from = tail.load(ordering: .relaxed)
        let to = head.load(ordering: .acquiring)
        for index in from..<to { body(slots[index & mask]) }
        tail.store(to, ordering: .releasing)
        return to - from
    }
}
