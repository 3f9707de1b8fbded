import InfusionCore
import InfusionTestSupport
import PumpHardware
import PumpSimulator
import SerialPump
import Testing

/// A bolus on the NE-1000 (SERIAL-006, issue 14 finding 3): the pump is told basal plus bolus, its
/// volume target grows to cover it, and it comes back to the basal afterwards, with no fault.
@Suite("NE-1000 session: a bolus and rate changes while running")
struct NE1000BolusSessionTests {
    typealias Line = NE1000SessionTests.Line

    @Test("a bolus that needs a larger volume target and other rate units restarts the run: STP, VOL, RAT, RUN, no fault")
    func bolusRestartsTheRunWithTheLargerTarget() throws {
        var line = try Line()
        let basal = PumpTarget(running: true, rate: 2.45, volumeLimit: 9.8, diameter: 26.6)
        #expect(line.run(until: { $0.pump.prompt == .infusing }, within: .seconds(2), wanting: basal) != nil)
        line.run(for: .seconds(2), wanting: basal)
        line.sent.removeAll()
        // 0.7 mL over 10 s on top of 2.45 mL/h: 254.45 mL/h, and the target grows by 0.7 mL.
        let bolus = PumpTarget(running: true, rate: 254.45, volumeLimit: 9.8 + 0.7, diameter: 26.6)
        line.run(for: .seconds(10), wanting: bolus)
        #expect(line.session.fault == nil, "\(line.session.fault.map { "\($0)" } ?? "")")
        #expect(line.sent.first == "0STP", "\(line.sent.prefix(8))")
        #expect(line.sent.contains { $0.hasPrefix("0VOL10.") }, "the new target went out: \(line.sent.prefix(10))")
        #expect(line.sent.contains("0RAT254.4MH"), "\(line.sent.prefix(10))")
        #expect(line.pump.prompt == .infusing)
        let pushed = line.pump.dispensed(.infuse).value
        // 2 s + 10 s of basal, 10 s of bolus, less the restart's round trips.
        #expect(pushed > 2.45 * 12 / 3_600 + 0.6 && pushed < 2.45 * 12 / 3_600 + 0.72, "pushed \(pushed) mL")
        // Back to the basal: one RAT, same units, no restart, still no fault.
        line.sent.removeAll()
        line.run(for: .seconds(2), wanting: PumpTarget(running: true, rate: 2.45, volumeLimit: 9.1, diameter: 26.6))
        #expect(line.sent.filter { $0.hasPrefix("0RAT") } == ["0RAT2.45MH"], "\(line.sent)")
        #expect(!line.sent.contains("0STP"))
        #expect(line.session.fault == nil && line.pump.prompt == .infusing)
    }

    /// The running branch compared the rate written to the pump with the loop's exact rate, which
    /// four digits cannot always carry: it would have sent RAT at every turn and never polled.
    @Test("a rate four digits cannot carry exactly is sent once, and polling goes on")
    func inexactRateIsSentOnce() throws {
        var line = try Line()
        let first = PumpTarget(running: true, rate: 12.5, volumeLimit: 9, diameter: 26.6)
        #expect(line.run(until: { $0.pump.prompt == .infusing }, within: .seconds(2), wanting: first) != nil)
        line.sent.removeAll()
        line.run(for: .seconds(2), wanting: PumpTarget(running: true, rate: 12.345_678, volumeLimit: 8.9, diameter: 26.6))
        #expect(line.sent.filter { $0.hasPrefix("0RAT") } == ["0RAT12.34MH"], "\(line.sent.prefix(12))")
        #expect(line.sent.filter { $0 == "0DIS" }.count >= 6, "polls every 250 ms: \(line.sent.suffix(8))")
    }
}
