import Foundation
import InfusionDaemon
import Synchronization
import Testing

/// The loop-to-journal event ring: every event arrives, in order, and a full ring refuses.
@Suite("Loop event ring")
struct LoopEventRingTests {
    @Test("100 000 events pushed by one thread arrive at another complete and in order")
    func everyEventArrivesInOrder() throws {
        let ring = LoopEventRing(capacity: 64)
        let total = 100_000
        let stop = Atomic<Bool>(false)
        let producer = Thread {
            var next = 0
            while next < total, !stop.load(ordering: .relaxed) {
                if ring.push(LoopEvent(kind: .stateChanged, code: UInt16(next % 65_536), controlNanoseconds: Int64(next))) {
                    next += 1
                } else {
                    sched_yield()
                }
            }
        }
        producer.start()
        defer { stop.store(true, ordering: .relaxed) }
        var received: [Int64] = []
        received.reserveCapacity(total)
        eventually("all \(total) events drained", within: 120) {
            if ring.drain({ received.append($0.controlNanoseconds) }) == 0 { sched_yield() }
            return received.count >= total
        }
        #expect(received == (0..<Int64(total)).map { $0 })
    }

    @Test("a full ring refuses the next event and overwrites nothing")
    func fullRingRefuses() {
        let ring = LoopEventRing(capacity: 5)
        #expect(ring.capacity == 8)
        for index in 0..<8 { #expect(ring.push(LoopEvent(kind: .alarmRaised, code: UInt16(index), controlNanoseconds: 0))) }
        #expect(!ring.push(LoopEvent(kind: .alarmRaised, code: 99, controlNanoseconds: 0)))
        var codes: [UInt16] = []
        #expect(ring.drain { codes.append($0.code) } == 8)
        #expect(codes == Array(0..<8))
        #expect(ring.push(LoopEvent(kind: .alarmCleared, code: 1, controlNanoseconds: 1)), "room again once drained")
    }
}
