import InfusionCore
import InfusionTestSupport
import PumpSimulator
import Testing

@Suite("Trumpet curve (IEC 60601-2-24)")
struct TrumpetTests {
    @Test func perfectDeliveryHasNoError() throws {
        let volumes = (0...120).map { Double($0) * 0.5 / 60 }  // 1 mL/h sampled every 0.5 min
        let analysis = try #require(TrumpetAnalysis(cumulativeVolumes: volumes, setRate: 1))
        #expect(abs(analysis.overallPercent) < 1e-9)
        #expect(analysis.windows.map(\.minutes) == [2, 5, 11, 19, 31])
        #expect(analysis.windows.allSatisfy { abs($0.maximumPercent) < 1e-9 && abs($0.minimumPercent) < 1e-9 })
    }

    @Test func aShortBurstShowsInShortWindowsAndFadesInLongOnes() throws {
        // One interval delivers 50 % extra: a 2 min window sees +12.5 %, a 31 min window +0.81 %.
        var volumes = [0.0]
        for interval in 0..<120 { volumes.append(volumes.last! + (interval == 60 ? 1.5 : 1.0) * 0.5 / 60) }
        let analysis = try #require(TrumpetAnalysis(cumulativeVolumes: volumes, setRate: 1))
        #expect(abs(analysis.windows[0].maximumPercent - 12.5) < 1e-9)
        #expect(abs(analysis.windows[4].maximumPercent - 50.0 / 62) < 1e-9)
        #expect(abs(analysis.windows[0].minimumPercent) < 1e-9)
    }

    @Test func tooShortARecordHasNoAnalysis() {
        #expect(TrumpetAnalysis(cumulativeVolumes: [0, 0.1, 0.2], setRate: 1) == nil)
    }

    /// ACC-001: the simulated pump meets the ±2 % commercial syringe pumps declare, at 1 mL/h.
    @Test func simulatedPumpIsWithinTwoPercentAtOneMillilitrePerHour() throws {
        let (result, analysis) = TrumpetTest.run(syringe: try RepositoryFiles.syringe(), rate: MillilitresPerHour(1), tick: .milliseconds(10))
        let trumpet = try #require(analysis, "no analysis: \(result.failures)")
        #expect(abs(trumpet.overallPercent) < 2)
        for window in trumpet.windows {
            #expect(window.maximumPercent < 2 && window.minimumPercent > -2, "\(window.minutes) min window")
        }
    }
}
