import InfusionCore
import PropertyBased
import Testing

@Suite("Dose ledger")
struct DoseLedgerTests {
    @Test func windowsSumAndAgeOut() {
        var ledger = DoseLedger()
        ledger.record(Picograms(1_000), at: .origin + .seconds(10))
        ledger.record(Picograms(2_000), at: .origin + .minutes(30))
        #expect(ledger.delivered(in: .oneHour) == Picograms(3_000))
        ledger.advance(to: .origin + .hours(1) + .seconds(12))
        #expect(ledger.delivered(in: .oneHour) == Picograms(2_000))
        #expect(ledger.delivered(in: .fourHours) == Picograms(3_000))
        ledger.advance(to: .origin + .hours(25))
        #expect(ledger.delivered(in: .twentyFourHours) == .zero)
        #expect(ledger.lifetimeTotal == Picograms(3_000))
    }

    @Test func roundingNeverUnderCounts() {
        #expect(Picograms(roundingUp: Milligrams(0.000_000_000_1)).value == 1)
        #expect(Picograms(roundingDown: Milligrams(0.000_000_000_9)).value == 0)
    }

    @Test func headroomIsTheSmallestOfTheFourCaps() {
        var ledger = DoseLedger()
        let caps = DoseCaps(perHour: Milligrams(10), perFourHours: Milligrams(30), perTwentyFourHours: Milligrams(50), perProgram: Milligrams(8))
        ledger.record(Picograms(roundingUp: Milligrams(5)), at: .origin)
        #expect(ledger.headroom(under: caps) == Picograms(roundingUp: Milligrams(3)))
        #expect(ledger.permits(Picograms(roundingUp: Milligrams(3)), under: caps))
        #expect(!ledger.permits(Picograms(roundingUp: Milligrams(3)) + Picograms(1), under: caps))
        ledger.beginProgram()
        #expect(ledger.headroom(under: caps) == Picograms(roundingUp: Milligrams(5)))
    }

    /// DOSE-008: whatever the timing, each window's sum is at least the exact sum of the
    /// deliveries inside it (the ledger never under-counts), and at most one more second's worth.
    @Test func rollingWindowsNeverUnderCount() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...7_200_000).array(of: 1...60), Gen.int(in: 1...5_000).array(of: 60...60)) { times, amounts in
            var ledger = DoseLedger()
            let deliveries = zip(times.sorted(), amounts).map { (ControlInstant.origin + .milliseconds(Int64($0)), Int64($1)) }
            for (time, amount) in deliveries { ledger.record(Picograms(amount), at: time) }
            let now = deliveries.last.map { $0.0 } ?? .origin
            for window in DoseWindow.allCases {
                let exact = deliveries.filter { now - $0.0 < window.length }.reduce(0) { $0 + $1.1 }
                let loose = deliveries.filter { now - $0.0 < window.length + .seconds(2) }.reduce(0) { $0 + $1.1 }
                #expect(ledger.delivered(in: window).value >= exact, "\(window) under-counts")
                #expect(ledger.delivered(in: window).value <= loose, "\(window) over-counts beyond one bucket")
            }
        }
    }
}
