import Foundation
import InfusionCore
import InfusionTestSupport
import PropertyBased
import PumpSimulator
import Testing

/// Random programs meet random command and fault sequences in the simulator. Every run must keep
/// the invariants the runner checks on every tick (see `ScenarioChecker`): no cap crossed, the
/// planner within one step, no forward step while a delivery-stopping alarm is active, no bolus
/// accepted while any alarm is active, no step sent to a disabled driver.
@Suite("Safety properties under random commands and faults")
struct SafetyPropertyTests {
    static let syringe = try! RepositoryFiles.syringe()
    static let library = try! RepositoryFiles.library()

    /// Decodes generated integers into a scenario, so shrinking shortens the event list. Events
    /// come 1 s to `spacing` apart; the run goes on 20 minutes past the last (`tail`).
    static func scenario(program codes: [Int], events eventCodes: [Int], spacing: Int64 = 240, tail: ControlDuration = .minutes(20)) -> Scenario {
        let concentrations = [1.0, 2, 5, 10]
        let request = ProgramRequest(
            drug: "ketamine", concentration: MilligramsPerMillilitre(concentrations[codes[0] % 4]),
            weight: Kilograms(Double(40 + codes[1] % 111)),
            dose: .weightBased(MilligramsPerKilogramPerHour(Double(10 + codes[2] % 191) / 100)),
            extent: .duration(.minutes(Double(5 + codes[3] % 56))),
            loadingBolus: codes[4] % 3 == 0 ? nil : MilligramsPerKilogram(Double(codes[4] % 35) / 100 + 0.01),
            confirmSoftLimits: true)
        var events: [ScenarioEvent] = []
        var at: Int64 = 0
        for (index, code) in eventCodes.enumerated() {
            at += 1 + Int64(code) % spacing
            let action: ScenarioEvent.Action
            switch (code / 240) % 27 {
            case 0: action = .command(.pause)
            case 1: action = .command(.resume)
            case 2: action = .command(.stop)
            case 3: action = .command(.start)
            case 4: action = .command(.bolus(MilligramsPerKilogram(Double(code % 40) / 100), confirm: code % 2 == 0))
            case 5: action = .command(.acknowledge(nil))
            case 6: action = .command(.silence)
            case 7: action = .command(.reset)
            case 8: action = .fault(.occlusion)
            case 9: action = .fault(.clearOcclusion)
            case 10: action = .fault(.air(Millilitres(Double(code % 400) / 1_000)))
            case 11: action = .fault(.stall)
            case 12: action = .fault(.clearStall)
            case 13: action = .fault(.disengage)
            case 14: action = .fault(.engage)
            case 15: action = .fault(.linkLost)
            case 16: action = .fault(.linkRestored)
            case 17: action = .fault(.restart)
            case 18: action = .command(.prime(Millilitres(Double(1 + code % 20) / 10)))
            case 19: action = .fault(.runaway(MillilitresPerHour(Double(1 + code % 30))))
            case 20: action = .fault(.clearRunaway)
            case 21: action = .fault(.journalFailure)
            case 22: action = .fault(.journalRestored)
            case 23: action = .fault(.loopOverrun)
            case 24: action = .fault(.loopRecovered)
            case 25: action = .command(.unloadSyringe)
            default: action = .command(.program)
            }
            events.append(ScenarioEvent(at: .seconds(at), action: action, expect: nil, label: "event \(index + 1)"))
        }
        return Scenario(
            name: "random", description: "", tick: .milliseconds(10), runFor: .seconds(at) + tail,
            encoderFitted: true, syringe: syringe, fill: Millilitres(50), actualFill: nil, line: LineModel(),
            program: request, autoStart: true, events: events, expectations: ScenarioExpectations())
    }

    /// DOSE-006, PLAN-001, ALARM-002, ALARM-005: caps, accuracy and alarm stops under random
    /// command and fault sequences, events up to 4 minutes apart so the hours-long windows fill.
    @Test func invariantsHoldUnderRandomCommandsAndFaults() async {
        let runner = ScenarioRunner(library: Self.library)
        await propertyCheck(count: 150, input: Gen.int(in: 0...100_000).array(of: 5...5), Gen.int(in: 0...100_000).array(of: 0...14)) { program, events in
            Self.expectInvariants(runner.run(Self.scenario(program: program, events: events)))
        }
    }

    /// The same at scale: `INFUSIOND_PROPERTY_SEQUENCES` sequences (10 000 by default; `make soak`
    /// runs 100 000), events up to a minute apart and two minutes past the last, shared among
    /// as many lanes as the machine has cores (Swift Testing runs the lanes at once).
    static let sequencesAtScale = Int(ProcessInfo.processInfo.environment["INFUSIOND_PROPERTY_SEQUENCES"] ?? "") ?? 10_000
    static let lanes = Array(0..<max(1, ProcessInfo.processInfo.activeProcessorCount))

    @Test("random command and fault sequences at scale, prime among them: no cap crossed, no bolus in alarm, no delivery after a high alarm until reset and restart", arguments: lanes)
    func invariantsHoldAtScale(lane: Int) async {
        let runner = ScenarioRunner(library: Self.library)
        let count = Self.sequencesAtScale / Self.lanes.count + (lane < Self.sequencesAtScale % Self.lanes.count ? 1 : 0)
        let clock = ContinuousClock()
        let started = clock.now
        await propertyCheck(count: count, input: Gen.int(in: 0...100_000).array(of: 5...5), Gen.int(in: 0...100_000).array(of: 0...10)) { program, events in
            Self.expectInvariants(runner.run(Self.scenario(program: program, events: events, spacing: 60, tail: .minutes(2))))
        }
        print("safety properties: lane \(lane) ran \(count) sequences in \(clock.now - started)")
    }

    static func expectInvariants(_ result: ScenarioResult) {
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.capViolations.isEmpty)
        #expect(result.maximumStepError <= 1)
        #expect(result.forwardStepsDuringStoppingAlarm == 0)
        #expect(result.forwardStepsAfterHighAlarmBeforeRestart == 0)
        #expect(result.stepsWhileDisabled == 0)
    }
}
