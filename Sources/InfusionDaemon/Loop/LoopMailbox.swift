import Synchronization

/// Requests into the real-time loop and their replies out, without the loop ever waiting on
/// another thread (DESIGN.md section 3).
///
/// Other threads post a request and block until it is answered. The loop, between ticks, only
/// ever *tries* the lock: when a poster holds it, the loop leaves the mailbox for the next period
/// (1 ms later) rather than wait. Slots are fixed at start, so posting never grows anything the
/// loop touches, and a full mailbox refuses the post at once rather than queue without bound.
public final class LoopMailbox<Request: Sendable, Reply: Sendable>: Sendable {
    private struct Slot {
        var request: Request?
        var reply: Reply?
        var taken = false
    }

    private struct Slots {
        var slots: [Slot]
        var pending = 0
    }

    private let state: Mutex<Slots>
    private let answered = Condition()
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(Slots(slots: Array(repeating: Slot(), count: capacity)))
    }

    /// Posts `request` and waits for the loop's reply, at most `timeout` seconds. Nil when the
    /// mailbox is full or the loop did not answer in time (a stalled loop is the supervisor's
    /// business; the caller reports it, it does not wait for ever).
    public func post(_ request: Request, timeout: Double) -> Reply? {
        let index: Int? = state.withLock { box in
            guard let free = box.slots.firstIndex(where: { !$0.taken }) else { return nil }
            box.slots[free] = Slot(request: request, reply: nil, taken: true)
            box.pending += 1
            return free
        }
        guard let index else { return nil }
        let reply = answered.wait(seconds: timeout) {
            state.withLock { box in box.slots[index].reply }
        }
        state.withLock { box in
            if box.slots[index].request != nil { box.pending -= 1 }
            box.slots[index] = Slot()
        }
        return reply
    }

    /// Posts not yet answered by the loop. For status and tests; the loop itself never reads it.
    public var waiting: Int { state.withLock { $0.pending } }

    /// Called by the loop: answers every waiting request with `handle`, if the lock is free now.
    /// Answers how many it handled, or nil when a poster held the lock (try again next period).
    public func serve(_ handle: (Request) -> Reply) -> Int? {
        let served: Int?? = state.withLockIfAvailable { box -> Int? in
            guard box.pending > 0 else { return 0 }
            var count = 0
            for index in box.slots.indices {
                guard let request = box.slots[index].request else { continue }
                box.slots[index].request = nil
                box.slots[index].reply = handle(request)
                box.pending -= 1
                count += 1
            }
            return count
        }
        guard let served, let count = served else { return nil }
        if count > 0 { answered.broadcast() }
        return count
    }
}
