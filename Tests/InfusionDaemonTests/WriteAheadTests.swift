import InfusionCore
import InfusionDaemon
import PropertyBased
import Testing

/// Rule 5 between loop and journal, in virtual time: the ledger leads the motor, by a bounded margin.
@Suite("Write-ahead")
struct WriteAheadTests {
    /// A loop at 1 kHz commanding `rates` (pg/s, each held for a second) while a journal commits
    /// every 100 ms, stalling for `stall` seconds from `stallAt`. Answers the worst lead and
    /// whether the loop stopped for the journal.
    static func run(rates: [Double], stallAt: Int?, stall: Int) -> (minimumLead: Int64, maximumLead: Int64, stopped: Bool, commanded: Int64, durable: Int64) {
        let policy = WriteAhead()
        var commanded = Picograms.zero
        var durable = Picograms.zero
        var minimumLead = Int64.max
        var maximumLead = Int64.min
        var fraction = 0.0
        for (second, rate) in rates.enumerated() {
            for millisecond in 0..<1_000 {
                let stalled = stallAt.map { second >= $0 && second < $0 + stall } ?? false
                if millisecond % 100 == 0, !stalled {
                    durable = durable + policy.commitment(commanded: commanded, picogramsPerSecond: rate, durable: durable)
                }
                // The tick's worst case: this millisecond's flow, rounded up.
                let due = rate / 1_000 + fraction
                let amount = Int64(due.rounded(.down))
                fraction = due - Double(amount)
                guard policy.covers(commanded: commanded, nextTick: Picograms(Int64((rate / 1_000).rounded(.up))), durable: durable) else {
                    return (minimumLead, maximumLead, true, commanded.value, durable.value)
                }
                commanded = commanded + Picograms(amount)
                minimumLead = min(minimumLead, durable.value - commanded.value)
                maximumLead = max(maximumLead, durable.value - commanded.value)
            }
        }
        return (minimumLead, maximumLead, false, commanded.value, durable.value)
    }

    @Test("with a healthy journal the ledger always leads, by at most 1.1 s of the fastest flow")
    func ledgerLeadsByABoundedMargin() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...2_000_000).array(of: 1...20)) { rates in
            let flows = rates.map(Double.init)
            let result = Self.run(rates: flows, stallAt: nil, stall: 0)
            #expect(!result.stopped)
            #expect(result.minimumLead >= 0, "the ledger fell behind the motor by \(-result.minimumLead) pg")
            let fastest = flows.max() ?? 0
            #expect(Double(result.maximumLead) <= fastest * 1.1 + 2, "lead \(result.maximumLead) pg over 1.1 s of \(fastest) pg/s")
        }
    }

    @Test("a journal that stops committing stops the loop before the motor passes the ledger")
    func stalledJournalStopsDelivery() {
        let result = Self.run(rates: Array(repeating: 1_000_000, count: 10), stallAt: 3, stall: 5)
        #expect(result.stopped, "the loop went on without a durable ledger")
        #expect(result.commanded <= result.durable, "commanded \(result.commanded) pg against a durable \(result.durable) pg")
    }

    @Test("nothing to commit when the ledger already covers the margin")
    func nothingToCommitWhenCovered() {
        let policy = WriteAhead()
        #expect(policy.commitment(commanded: Picograms(1_000), picogramsPerSecond: 1_000, durable: Picograms(2_100)) == .zero)
        #expect(policy.commitment(commanded: Picograms(1_000), picogramsPerSecond: 1_000, durable: Picograms(1_000)) == Picograms(1_100))
        #expect(policy.commitment(commanded: Picograms(1_000), picogramsPerSecond: 0, durable: Picograms(1_000)) == .zero)
    }
}
