import GPIOPump
import InfusionCore
import PumpHardware
import Testing

/// The pieces above the line seam, each on its own (GPIO-003, GPIO-005).
@Suite("GPIO components")
struct GPIOComponentTests {
    @Test("quadrature decoding counts forward, back, and reports a lost edge instead of guessing")
    func quadrature() {
        var decoder = QuadratureDecoder(a: false, b: false)
        for count in 1...10 {
            let previous = QuadratureSequence.levels(at: Int64(count - 1)), next = QuadratureSequence.levels(at: Int64(count))
            if previous.a != next.a { decoder.edge(channelA: true, level: next.a) }
            if previous.b != next.b { decoder.edge(channelA: false, level: next.b) }
        }
        #expect(decoder.count == 10)
        for count in stride(from: 9, through: 7, by: -1) {
            let previous = QuadratureSequence.levels(at: Int64(count + 1)), next = QuadratureSequence.levels(at: Int64(count))
            if previous.a != next.a { decoder.edge(channelA: true, level: next.a) }
            if previous.b != next.b { decoder.edge(channelA: false, level: next.b) }
        }
        #expect(decoder.count == 7)
        let levels = QuadratureSequence.levels(at: 7)
        decoder.edge(channelA: true, level: levels.a)
        #expect(decoder.missedEdges == 1)
        #expect(decoder.count == 7)
    }

    @Test("a stepped encoder gives 4 000 counts per 3 200 microsteps, each a valid quadrature edge")
    func steppedEncoder() {
        var encoder = SteppedEncoder()
        var decoder = QuadratureDecoder(a: false, b: false)
        for _ in 0..<3_200 { encoder.step(forward: true) { decoder.edge(channelA: $0, level: $1) } }
        #expect(encoder.count == 4_000)
        #expect(decoder.count == 4_000)
        for _ in 0..<3 { encoder.step(forward: false) { decoder.edge(channelA: $0, level: $1) } }
        #expect(decoder.count == 4_000 - 3, "3 steps back owe 3.75 counts: 3 shown, the rest carried")
        for _ in 0..<3_197 { encoder.step(forward: false) { decoder.edge(channelA: $0, level: $1) } }
        #expect(decoder.count == 0)
        #expect(decoder.missedEdges == 0)
    }

    @Test("the unsafe reading passes at once; the safe one only after it has held")
    func failSafeDebounce() {
        let start = ControlInstant(nanoseconds: 0)
        var clamp = FailSafeDebouncer(initial: true, unsafeLevel: false, settle: .milliseconds(20), at: start)
        clamp.edge(false, at: start + .milliseconds(1))
        #expect(clamp.level == false, "opening is believed on its first edge")
        clamp.edge(true, at: start + .milliseconds(2))
        clamp.settle(at: start + .milliseconds(21))
        #expect(clamp.level == false, "closed for 19 ms is not yet closed")
        clamp.edge(false, at: start + .milliseconds(3))
        clamp.edge(true, at: start + .milliseconds(4))
        clamp.settle(at: start + .milliseconds(24))
        #expect(clamp.level == true)
    }

    @Test("indicator patterns: high flashes red at 2 Hz with a ten-pulse burst; silenced alarms keep their lights")
    func indicatorPatterns() {
        func count(_ indicator: AlarmIndicator, over seconds: Int64, _ output: (IndicatorOutputs) -> Bool) -> Int {
            var rises = 0
            var previous = false
            for ms in 0..<(seconds * 1_000) {
                let now = output(IndicatorPattern.outputs(for: indicator, phase: .milliseconds(ms)))
                if now, !previous { rises += 1 }
                previous = now
            }
            return rises
        }
        let high = AlarmIndicator(priority: .high, audible: true)
        #expect(count(high, over: 8, \.red) == 16, "2 Hz for 8 s")
        #expect(count(high, over: 8, \.buzzer) == 10, "one ten-pulse burst per 8 s")
        #expect(count(AlarmIndicator(priority: .medium, audible: true), over: 15, \.buzzer) == 3)
        #expect(count(AlarmIndicator(priority: .medium, audible: true), over: 2, \.yellow) == 1)
        #expect(count(AlarmIndicator(priority: .high, audible: false), over: 8, \.buzzer) == 0)
        #expect(count(AlarmIndicator(priority: .high, audible: false), over: 8, \.red) == 16)
        #expect(IndicatorPattern.outputs(for: .quiet, phase: .seconds(1)) == IndicatorOutputs())
        #expect(IndicatorPattern.outputs(for: AlarmIndicator(priority: .low, audible: true), phase: .seconds(5)).nurseCall == false)
        #expect(IndicatorPattern.outputs(for: high, phase: .seconds(5)).nurseCall)
    }

    @Test("the HX711 read-out: a force becomes counts and back; a stale or clipped conversion is no reading")
    func hx711Calibration() {
        let calibration = HX711Calibration(zeroCounts: 1_234, countsPerNewton: 10_700, samplesPerSecond: 80)
        #expect(calibration.raw(forNewtons: 10) == 1_234 + 107_000)
        #expect(calibration.raw(forNewtons: 1e6) == HX711Calibration.highestReading)
        let reader = HX711Reader(calibration: calibration)
        #expect(reader.newtons(at: .origin).isNaN, "no conversion yet is no reading")
        #expect(reader.staleAfter == .milliseconds(50))
    }

    /// Lines with nothing on them but an HX711 whose DOUT is stuck at one level.
    struct StuckDataLine: GPIOLines {
        var level: Bool
        mutating func set(_ function: PinFunction, _ asserted: Bool) throws(GPIOLineError) {}
        mutating func get(_ function: PinFunction) throws(GPIOLineError) -> Bool { level }
        mutating func drainEdges(_ body: (EdgeEvent) -> Void) throws(GPIOLineError) {}
        mutating func hold(nanoseconds: Int64) {}
    }

    @Test("an HX711 data line stuck low gives no force (not zero newtons), so the tick raises force_sensor_fault")
    func hx711StuckLow() throws {
        var lines = StuckDataLine(level: false)
        var reader = HX711Reader(calibration: HX711Calibration())
        for millisecond in 0..<100 {
            try reader.poll(&lines, at: ControlInstant(nanoseconds: Int64(millisecond) * 1_000_000))
        }
        #expect(reader.readings == 0)
        #expect(reader.stuckReadouts == 100 && reader.dataLowAtLastPoll)
        #expect(reader.newtons(at: ControlInstant(nanoseconds: 100_000_000)).isNaN)
        // Stuck high: never ready, never read — and said so, though the stuck count stays
        // (red team, issue 16: the count alone kept naming a stuck-low line after it went high).
        lines.level = true
        try reader.poll(&lines, at: ControlInstant(nanoseconds: 101_000_000))
        #expect(reader.readings == 0 && reader.stuckReadouts == 100 && !reader.dataLowAtLastPoll)
    }
}
