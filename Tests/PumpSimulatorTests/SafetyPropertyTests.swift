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
    /// The shipped library with caps a run reaches within minutes, so half of the runs spend their
    /// time near a cap, where the planner's clamp, the monitor and the judge's physics meet.
    static let tightLibrary = try! DrugLibraryParser.parse(
        RepositoryFiles.text("config/drug-library.toml")
            .replacingOccurrences(of: "hard_max_1h = \"2.5 mg/kg\"", with: "hard_max_1h = \"0.6 mg/kg\"")
            .replacingOccurrences(of: "hard_max_4h = \"5 mg/kg\"", with: "hard_max_4h = \"1 mg/kg\"")
            .replacingOccurrences(of: "hard_max_24h = \"15 mg/kg\"", with: "hard_max_24h = \"2 mg/kg\"")
            .replacingOccurrences(of: "hard_max_program = \"40 mg/kg\"", with: "hard_max_program = \"0.8 mg/kg\""))

    /// Runs one generated sequence against the shipped library or, when `codes[5]` is odd, the
    /// tight one.
    static func run(program codes: [Int], events: [Int], spacing: Int64, tail: ControlDuration) -> ScenarioResult {
        let tight = codes[5] % 2 == 1
        let runner = ScenarioRunner(library: tight ? tightLibrary : library)
        return runner.run(scenario(program: codes, events: events, spacing: spacing, tail: tail, tightCaps: tight))
    }

    /// Decodes generated integers into a scenario, so shrinking shortens the event list. Events
    /// come 1 s to `spacing` apart; the run goes on 20 minutes past the last (`tail`). Two programs
    /// in three last 1 to 10 minutes, so runs often pass a completion and go on commanding after
    /// it (a restart between a completion and a start once gave a program twice: issue 14).
    /// With `tightCaps` the dose is lowered as far as the first program needs to fit them: the
    /// run starts infusing, and reaches the caps through what follows.
    static func scenario(
        program codes: [Int], events eventCodes: [Int], spacing: Int64 = 240, tail: ControlDuration = .minutes(20), tightCaps: Bool = false
    ) -> Scenario {
        let concentrations = [1.0, 2, 5, 10]
        let minutes = Double(codes[3] % 3 == 0 ? 5 + codes[3] % 56 : 1 + codes[3] % 10)
        // Against the tight caps a loading bolus of 0.25–0.35 mg/kg takes half the hour's cap at
        // once, so whatever comes next in the hour meets the caps.
        let bolus = tightCaps ? 0.25 + Double(codes[4] % 11) / 100 : codes[4] % 3 == 0 ? nil : Double(codes[4] % 35) / 100 + 0.01
        var dose = Double(10 + codes[2] % 191) / 100
        if tightCaps {
            // 0.6 mg/kg in any hour, 0.8 mg/kg a program (tightLibrary), with a margin.
            dose = max(0.1, min(dose, (0.58 - (bolus ?? 0)) / (minutes / 60), (0.78 - (bolus ?? 0)) / (minutes / 60)))
        }
        let request = ProgramRequest(
            drug: "ketamine", concentration: MilligramsPerMillilitre(concentrations[codes[0] % 4]),
            weight: Kilograms(Double(40 + codes[1] % 111)),
            dose: .weightBased(MilligramsPerKilogramPerHour(dose)),
            extent: .duration(.minutes(minutes)),
            loadingBolus: bolus.map(MilligramsPerKilogram.init),
            confirmSoftLimits: true)
        var events: [ScenarioEvent] = []
        var at: Int64 = 0
        for (index, code) in eventCodes.enumerated() {
            at += 1 + Int64(code) % spacing
            let action: ScenarioEvent.Action
            switch (code / 240) % 30 {
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
            // A third of primes carry the technician's word that the line is off the patient.
            case 18: action = .command(.prime(Millilitres(Double(1 + code % 20) / 10), lineDisconnected: code % 3 == 0))
            case 19: action = .fault(.runaway(MillilitresPerHour(Double(1 + code % 30))))
            case 20: action = .fault(.clearRunaway)
            case 21: action = .fault(.journalFailure)
            case 22: action = .fault(.journalRestored)
            case 23: action = .fault(.loopOverrun)
            case 24: action = .fault(.loopRecovered)
            case 25: action = .command(.unloadSyringe)
            // The same program for a patient of another weight, mostly heavier: refused for the
            // patient on the pump, and the caps never follow it (issue 14, finding 5).
            case 26: action = .command(.program(weight: Kilograms(Double(60 + code % 191))))
            // No id, or one of two: the same id again is a corrected weight, whose drug still counts.
            case 27: action = .command(.newPatient(weight: Kilograms(Double(40 + code % 111)), id: [nil, "MRN-1", "MRN-2"][code % 3]))
            case 28: action = .command(.loadSyringe(syringe, fill: Millilitres(50)))
            default: action = .command(.program(weight: nil))
            }
            events.append(ScenarioEvent(at: .seconds(at), action: action, expect: nil, label: "event \(index + 1)"))
            // A technician who programs a new weight starts it straight away.
            if case .command(.program(.some)) = action {
                events.append(ScenarioEvent(at: .seconds(at + 1), action: .command(.start), expect: nil, label: "event \(index + 1), start"))
            }
        }
        return Scenario(
            name: "random", description: "", tick: .milliseconds(10), runFor: .seconds(at) + tail,
            encoderFitted: true, syringe: syringe, fill: Millilitres(50), actualFill: nil, line: LineModel(),
            program: request, autoStart: true, events: events, expectations: ScenarioExpectations())
    }

    /// Sequences the property tests once found, kept: an occlusion's back-off then a reset and a
    /// resume recrossed the same stretch of lead screw, and the judge allowed its wobble only once
    /// (0.0001 mg over on 7.25 mg; red team week, issue 15). The third, from CI: a bolus at 309 s
    /// ran into the hour's tight cap; the tick that clamped to the last headroom took its steps
    /// and raised `dose_limit_reached`, and the runner counted them as steps in alarm.
    @Test(
        "sequences found at scale stay within the physics",
        arguments: [
            ([0, 154, 21_733, 0, 0, 3], [38_022, 16_080, 240], 90), ([0, 21, 0, 0, 6_676, 0], [52_359, 59_280, 79_440], 90),
            ([0, 0, 115, 8_207, 6_177, 15], [80_493, 73_174], 240),
        ])
    func foundSequencesHold(program: [Int], events: [Int], spacing: Int) {
        Self.expectInvariants(Self.run(program: program, events: events, spacing: Int64(spacing), tail: spacing == 90 ? .minutes(3) : .minutes(20)))
    }

    /// DOSE-006, PLAN-001, ALARM-002, ALARM-005: caps, accuracy and alarm stops under random
    /// command and fault sequences, events up to 4 minutes apart so the hours-long windows fill.
    @Test func invariantsHoldUnderRandomCommandsAndFaults() async {
        await propertyCheck(count: 150, input: Gen.int(in: 0...100_000).array(of: 6...6), Gen.int(in: 0...100_000).array(of: 0...14)) { program, events in
            Self.expectInvariants(Self.run(program: program, events: events, spacing: 240, tail: .minutes(20)))
        }
    }

    /// VITALS-001, VITALS-002 (issue 17): the interlock judged by the patient. Random programs
    /// meet random vital signs — SpO2 and heart rate stepping across every band, silences of the
    /// oximeter, charted pressures — with resets, resumes, starts and boluses between them. Per
    /// tick, ``VitalsJudge`` fails delivery that goes on while a sign has been visibly critical
    /// past its persistence, and a stop raised on a single warning.
    @Test func vitalsInterlockHoldsUnderRandomVitals() async {
        await propertyCheck(count: 120, input: Gen.int(in: 0...100_000).array(of: 6...6), Gen.int(in: 0...100_000).array(of: 0...24)) { program, events in
            Self.expectInvariants(ScenarioRunner(library: Self.library).run(Self.vitalsScenario(program: program, events: events)))
        }
    }

    /// Kept: a blood pressure charted at 2 s (a warning) and a heart rate at 121 from 40 s made
    /// two warnings at 71 s; the judge once forgot that a chart counts for `chart_every`, not a
    /// minute, and called the stop a single warning's.
    @Test("vitals sequences found at scale hold", arguments: [([0, 0, 0, 0, 0, 0], [8_461, 150, 59_241])])
    func foundVitalsSequencesHold(program: [Int], events: [Int]) {
        Self.expectInvariants(ScenarioRunner(library: Self.library).run(Self.vitalsScenario(program: program, events: events)))
    }

    static func vitalsScenario(program codes: [Int], events eventCodes: [Int]) -> Scenario {
        var scenario = scenario(program: codes, events: [], spacing: 60, tail: .zero)
        var vitals = PerSign<Double>()
        vitals[.spo2] = 97
        vitals[.heartRate] = 76
        scenario.vitals = vitals
        var events: [ScenarioEvent] = []
        var at: Int64 = 0
        for (index, code) in eventCodes.enumerated() {
            // Seconds apart, across every persistence (15 s, 30 s) and around it.
            at += 1 + Int64(code) % 45
            var values = PerSign<Double>()
            let action: ScenarioEvent.Action
            switch (code / 45) % 9 {
            case 0, 1:
                values[.spo2] = Double(80 + code % 21)
                action = .fault(.vitals(values))
            case 2, 3:
                values[.heartRate] = Double(30 + code % 130)
                action = .fault(.vitals(values))
            case 4: action = .fault(code % 2 == 0 ? .vitalsLost : .vitalsRestored)
            case 5: action = .command(.reset)
            case 6: action = .command(code % 2 == 0 ? .resume : .start)
            case 7: action = .command(.bolus(MilligramsPerKilogram(0.05), confirm: true))
            default:
                values[.systolic] = Double(100 + code % 100)
                values[.diastolic] = Double(60 + code % 40)
                action = .command(.chart(values))
            }
            events.append(ScenarioEvent(at: .seconds(at), action: action, expect: nil, label: "event \(index + 1)"))
        }
        scenario.events = events
        scenario.runFor = .seconds(at) + .minutes(2)
        return scenario
    }

    /// The same at scale: `INFUSIOND_PROPERTY_SEQUENCES` sequences (10 000 by default; `make soak`
    /// runs 100 000), events up to a minute apart and two minutes past the last, shared among
    /// as many lanes as the machine has cores (Swift Testing runs the lanes at once).
    static let sequencesAtScale = Int(ProcessInfo.processInfo.environment["INFUSIOND_PROPERTY_SEQUENCES"] ?? "") ?? 10_000
    static let lanes = Array(0..<max(1, ProcessInfo.processInfo.activeProcessorCount))

    @Test("random command and fault sequences at scale, prime among them: no cap crossed, no bolus in alarm, no delivery after a high alarm until reset and restart", arguments: lanes)
    func invariantsHoldAtScale(lane: Int) async {
        let count = Self.sequencesAtScale / Self.lanes.count + (lane < Self.sequencesAtScale % Self.lanes.count ? 1 : 0)
        let clock = ContinuousClock()
        let started = clock.now
        await propertyCheck(count: count, input: Gen.int(in: 0...100_000).array(of: 6...6), Gen.int(in: 0...100_000).array(of: 0...14)) { program, events in
            Self.expectInvariants(Self.run(program: program, events: events, spacing: 90, tail: .minutes(3)))
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
        #expect(result.physicalViolationCount == 0, "\(result.physicalViolations)")
    }
}


