import Foundation
import InfusionCore
import Testing

/// OCCL-001's early detection: a steady climb is an occlusion, a plateau is an open line.
@Suite("Occlusion detector")
struct OcclusionDetectorTests {
    /// Feeds `pressure(t)` every 10 ms for `seconds`; the first instant the detector says occluded.
    static func firstAlarm(for seconds: Double, _ pressure: (Double) -> Double) -> Double? {
        var detector = OcclusionDetector(settings: ControllerSettings())
        detector.reset(at: .origin)
        var t = 0.0
        while t <= seconds {
            let now = ControlInstant(nanoseconds: Int64(t * 1e9))
            if detector.observe(MillimetresOfMercury(pressure(t)), at: now, delivering: true) { return t }
            t += 0.01
        }
        return nil
    }

    @Test("a flow step into an open line settles at a plateau above the floor: no alarm (red team, issue 14 F10: a 700 mL/h loading bolus read as an occlusion)")
    func plateauAboveTheFloorIsAnOpenLine() {
        // 20 mmHg for 15 s, then a bolus: up to 230 mmHg with the line's 1 s time constant.
        let alarm = Self.firstAlarm(for: 60) { (t: Double) -> Double in
            guard t >= 15 else { return 20 }
            return 20 + 210 * (1 - exp(-(t - 15) / 1.08))
        }
        #expect(alarm == nil, "alarm at \(alarm ?? -1) s")
    }

    @Test("a steady climb above the floor is an occlusion, caught well before the 500 mmHg level")
    func steadyClimbIsAnOcclusion() throws {
        // An occluded line at 20 mL/h: its 1 µL/mmHg compliance fills at 5.6 mmHg/s from 30 mmHg.
        let alarm = try #require(Self.firstAlarm(for: 120) { (t: Double) -> Double in 30 + 5.6 * t })
        let level = (500 - 30) / 5.6
        #expect(alarm < level - 30, "at \(alarm) s; the level alone at \(level) s")
        // Above the 200 mmHg floor (30 s in) it takes no more than the window to see both halves rise.
        #expect(alarm <= (200 - 30) / 5.6 + 0.2, "at \(alarm) s")
    }

    @Test("the level alarms whatever the history")
    func levelAlarms() {
        #expect(Self.firstAlarm(for: 1) { _ in 500 } == 0)
    }
}
