import InfusionCore
import PropertyBased
import Testing

@Suite("Step planner")
struct StepPlannerTests {
    /// PLAN-001: for any rate, tick and rate changes, delivered steps stay within one step of
    /// the exact integral of the rate, and never ahead of it.
    @Test func deliveredStaysWithinOneStepOfTheIntegral() async {
        await propertyCheck(
            count: 300, input: Gen.int(in: 1...1_200_000).array(of: 1...6), Gen.int(in: 1...20), Gen.int(in: 1...600)
        ) { ratesMillilitresPerThousandHours, tickMilliseconds, segmentSeconds in
            var planner = StepPlanner(stepsPerMillilitre: 2_879.4)
            let tick = ControlDuration.milliseconds(Int64(tickMilliseconds))
            let stepsPerTickLimit = Int64(1_000 * tickMilliseconds / 1_000) + 1
            var now = ControlInstant.origin
            for rate in ratesMillilitresPerThousandHours {
                planner.setRate(MillilitresPerHour(Double(rate) / 1_000), at: now)
                let end = now + .seconds(Int64(segmentSeconds))
                while now < end {
                    now = now + tick
                    planner.commit(planner.due(at: now, limit: stepsPerTickLimit))
                    let error = planner.idealSteps(at: now) - Double(planner.deliveredSteps)
                    #expect(error >= 0 && error < 1, "error \(error) at rate \(Double(rate) / 1_000) mL/h, tick \(tickMilliseconds) ms")
                    if !(error >= 0 && error < 1) { return }
                }
            }
        }
    }

    @Test func aCoarseTickEmitsTheSameCountAsAFineOne() {
        func steps(after duration: ControlDuration, tick: ControlDuration) -> Int64 {
            var planner = StepPlanner(stepsPerMillilitre: 2_879.4)
            planner.setRate(MillilitresPerHour(2.2), at: .origin)
            var now = ControlInstant.origin
            while now < .origin + duration {
                now = now + tick
                planner.commit(planner.due(at: now, limit: .max))
            }
            return planner.deliveredSteps
        }
        let fine = steps(after: .hours(3), tick: .milliseconds(1))
        let coarse = steps(after: .hours(3), tick: .milliseconds(10))
        #expect(fine == coarse)
        #expect(fine == Int64((2.2 * 3 * 2_879.4).rounded(.down)))
    }

    @Test func neverPassesItsTarget() {
        var planner = StepPlanner(stepsPerMillilitre: 1_000)
        planner.limitTarget(toAdditional: 10)
        planner.setRate(MillilitresPerHour(360), at: .origin)  // 100 steps/s
        planner.commit(planner.due(at: .origin + .seconds(1), limit: .max))
        #expect(planner.deliveredSteps == 10)
        #expect(planner.reachedTarget)
    }
}
