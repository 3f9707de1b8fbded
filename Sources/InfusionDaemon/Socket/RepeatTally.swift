import InfusionCore

/// Repeated read-only requests and refusals of one peer uid, counted instead of written one by one.
///
/// Every request goes to the event log (DESIGN.md rule 8), but each record is a synchronous
/// SQLite write, and the journal that writes them also writes the ledger ahead of the motor. A
/// watcher polling `status` twenty times a second, or a client flooding past the rate limit,
/// would otherwise turn into thousands of fsyncs a second: the ledger would fall behind and the
/// infusion would stop with journal_failure, and the log would fill with polling. So the first of
/// each kind per uid is written at once, with its uid and pid, and the rest are counted and
/// written as one record a minute and at shutdown. Kept per uid, not per connection (issue 15):
/// twelve clients reconnecting and sending unknown commands once wrote 140 700 events in 40 s.
/// Commands that change anything are always written one by one, before and after.
struct RepeatTally {
    private var seen: Set<String> = []
    private var counts: [String: Int] = [:]
    private var since: ControlInstant?

    /// How often a long-lived connection's counts are written.
    static let interval = ControlDuration.seconds(60)

    /// Answers true when `key` is new on this connection (write it now); otherwise counts it.
    mutating func firstOrCount(_ key: String, at now: ControlInstant) -> Bool {
        if seen.insert(key).inserted { return true }
        counts[key, default: 0] += 1
        if since == nil { since = now }
        return false
    }

    /// The counts as one line, emptied; nil when there is nothing to write.
    mutating func take() -> String? {
        guard !counts.isEmpty else { return nil }
        let line = counts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        counts.removeAll()
        since = nil
        return line
    }

    func due(at now: ControlInstant) -> Bool {
        since.map { now - $0 >= Self.interval } ?? false
    }
}
