import Foundation
import InfusionDaemon
import Synchronization
import Testing

/// The loop's mailbox: posters wait, the loop only tries the lock.
@Suite("Loop mailbox")
struct LoopMailboxTests {
    @Test("a posted request is answered by the loop's next serve, to the right poster")
    func requestsAreAnswered() async throws {
        let mailbox = LoopMailbox<Int, Int>(capacity: 8)
        let stop = Atomic<Bool>(false)
        let served = Atomic<Int>(0)
        let loop = Thread {
            while !stop.load(ordering: .relaxed) {
                if let count = mailbox.serve({ $0 * 10 }) { served.add(count, ordering: .relaxed) }
                usleep(1_000)
            }
        }
        loop.start()
        defer { stop.store(true, ordering: .relaxed) }
        let replies = await withTaskGroup(of: (Int, Int?).self) { group in
            for value in 1...6 {
                group.addTask { (value, mailbox.post(value, timeout: 5)) }
            }
            return await group.reduce(into: [Int: Int?]()) { $0[$1.0] = $1.1 }
        }
        for value in 1...6 { #expect(replies[value] == value * 10) }
        #expect(served.load(ordering: .relaxed) == 6)
    }

    @Test("serve only tries the lock: called while the lock is held, it answers nil instead of waiting", .timeLimit(.minutes(1)))
    func serveNeverWaitsForTheLock() {
        let mailbox = LoopMailbox<Int, Int>(capacity: 1)
        let posted = Atomic<Bool>(false)
        let poster = Thread { posted.store(true, ordering: .relaxed); _ = mailbox.post(7, timeout: 5) }
        poster.start()
        while !posted.load(ordering: .relaxed) { usleep(100) }
        var answered: Int?
        while answered == nil { answered = mailbox.serve { $0 } }
        // The outer serve holds the lock while it answers; a serve inside it that waited for the
        // lock would deadlock here (and the time limit would fail the test).
        var inner: Int?? = .some(nil)
        let posterAgain = Thread { _ = mailbox.post(8, timeout: 5) }
        posterAgain.start()
        var outer: Int?
        while outer == nil || outer == 0 {
            outer = mailbox.serve { request in
                inner = mailbox.serve { $0 }
                return request
            }
        }
        #expect(answered == 1)
        #expect(inner == .some(nil), "the inner serve did not find the lock busy: \(String(describing: inner))")
    }

    @Test("a full mailbox refuses a post at once; an unanswered post times out with nil")
    func fullMailboxRefuses() {
        let mailbox = LoopMailbox<Int, Int>(capacity: 1)
        let waiting = Atomic<Bool>(false)
        let first = Thread { waiting.store(true, ordering: .relaxed); _ = mailbox.post(1, timeout: 1) }
        first.start()
        while !waiting.load(ordering: .relaxed) { usleep(100) }
        usleep(20_000)
        #expect(mailbox.post(2, timeout: 0.05) == nil, "the only slot is taken")
        #expect(mailbox.serve { $0 + 100 } == 1, "the first post is still there to answer")
    }
}
