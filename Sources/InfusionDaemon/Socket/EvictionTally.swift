import InfusionCore

/// Connections the socket thread closed to make room for an operator, counted and written to
/// the log as one line at most every ``interval``: a log line per eviction, under a flood of
/// connects, filled the daemon's stderr and blocked the socket thread on the write.
struct EvictionTally {
    static let interval = ControlDuration.seconds(10)
    private var count = 0
    private var uids: Set<UInt32> = []
    private var lastLogged: ControlInstant?

    mutating func record(uid: UInt32) {
        count += 1
        if uids.count < 8 { uids.insert(uid) }
    }

    /// The line to log now, if any is due.
    mutating func take(at now: ControlInstant) -> String? {
        guard count > 0, lastLogged.map({ now - $0 >= Self.interval }) ?? true else { return nil }
        defer {
            count = 0
            uids.removeAll()
            lastLogged = now
        }
        let who = uids.sorted().map(String.init).joined(separator: ", ")
        return "socket: every connection was taken: closed \(count) connection\(count == 1 ? "" : "s") to let an operator in (uid \(who))"
    }
}
