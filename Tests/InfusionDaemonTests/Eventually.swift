import Glibc
import PumpHardware
import Testing

/// Waits, polling every millisecond, until `condition` holds or `seconds` pass; records a
/// failure naming `what` on timeout. Every wait in these tests is bounded: a test that waits for
/// ever hangs CI instead of failing it, and the time limit trait cannot stop a thread that never
/// reaches a suspension point.
@discardableResult
func eventually(_ what: String, within seconds: Double = 30, _ condition: () -> Bool,
                sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    let deadline = MonotonicClock.now().nanoseconds + Int64(seconds * 1e9)
    while !condition() {
        guard MonotonicClock.now().nanoseconds < deadline else {
            Issue.record("not within \(seconds) s: \(what)", sourceLocation: sourceLocation)
            return false
        }
        usleep(1_000)
    }
    return true
}
