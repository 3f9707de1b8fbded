import Glibc
import PumpHardware

/// A wake-up for the threads that wait on the loop (socket, journal). The loop only ever calls
/// ``broadcast()``, which takes no lock: a waiter that checks just before the broadcast and waits
/// just after would miss it, so waiters sleep in slices of at most 5 ms and check again.
final class Condition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    static let slice: Int64 = 5_000_000

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Wakes every waiter; never blocks.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }

    /// Waits until `ready` answers a value or `seconds` pass; answers the value or nil.
    func wait<Value>(seconds: Double, until ready: () -> Value?) -> Value? {
        let deadline = Self.now() + Int64(seconds * 1e9)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let value = ready() { return value }
            let now = Self.now()
            guard now < deadline else { return nil }
            let wake = min(deadline, now + Self.slice)
            var spec = timespec(tv_sec: Int(wake / 1_000_000_000), tv_nsec: Int(wake % 1_000_000_000))
            pthread_cond_timedwait(condition, mutex, &spec)
        }
    }

    private static func now() -> Int64 { MonotonicClock.now().nanoseconds }
}
