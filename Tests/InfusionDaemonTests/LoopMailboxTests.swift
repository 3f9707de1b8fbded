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
                group.addTask { (value, mailbox.post(value, timeout: 30)) }
            }
            return await group.reduce(into: [Int: Int?]()) { $0[$1.0] = $1.1 }
        }
        for value in 1...6 { #expect(replies[value] == value * 10) }
        // The loop counts after it has answered, so a poster can be back before the count is.
        eventually("the loop counted six served") { served.load(ordering: .relaxed) == 6 }
        #expect(served.load(ordering: .relaxed) == 6, "and no more")
    }

    @Test("serve only tries the lock: called while the lock is held, it answers nil instead of waiting")
    func serveNeverWaitsForTheLock() {
        let mailbox = LoopMailbox<Int, Int>(capacity: 1)
        let reply = Mutex<Int?>(nil)
        let poster = Thread { reply.withLock { $0 = mailbox.post(8, timeout: 60) } }
        poster.start()
        eventually("the post is waiting") { mailbox.waiting == 1 }
        // The outer serve holds the lock while it answers; a serve inside it that waited for the
        // lock would deadlock here rather than answer nil.
        // The poster checks for its reply under the same lock, so a serve may find it busy and
        // answer nil; the loop would try again next period, and so does this test.
        var inner: Int?? = .some(0)
        var outer: Int?
        eventually("a serve found the lock free") {
            outer = mailbox.serve { request in
                inner = mailbox.serve { $0 }
                return request
            }
            return outer != nil
        }
        #expect(outer == 1)
        #expect(inner == .some(nil), "the inner serve did not find the lock busy: \(String(describing: inner))")
        eventually("the poster has its reply") { reply.withLock { $0 } == 8 }
    }

    @Test("a full mailbox refuses a post at once; an unanswered post times out with nil")
    func fullMailboxRefuses() {
        let mailbox = LoopMailbox<Int, Int>(capacity: 1)
        let first = Thread { _ = mailbox.post(1, timeout: 60) }
        first.start()
        eventually("the first post is waiting") { mailbox.waiting == 1 }
        #expect(mailbox.post(2, timeout: 0.05) == nil, "the only slot is taken")
        var served: Int?
        eventually("a serve found the lock free") { served = mailbox.serve { $0 + 100 }; return served != nil }
        #expect(served == 1, "the first post is still there to answer")
        let lonely = LoopMailbox<Int, Int>(capacity: 1)
        #expect(lonely.post(3, timeout: 0.05) == nil, "nobody serves this one")
        #expect(lonely.waiting == 0, "a timed-out post leaves its slot free")
    }
}
