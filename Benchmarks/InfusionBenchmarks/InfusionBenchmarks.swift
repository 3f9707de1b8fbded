import Benchmark
import Foundation
import InfusionCore
import PumpSimulator

/// The repository root, found from this file so the benchmarks read the shipped configuration.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

private func text(_ path: String) -> String {
    (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? ""
}

/// A controller mid-way through the CRPS program (12.25 mL/h), with a motor that does every step.
private struct RunningController {
    var controller = InfusionController(settings: ControllerSettings())
    var sensors = SensorSnapshot(encoderCounts: 0)
    var now = ControlInstant.origin

    init() throws {
        let library = try DrugLibraryParser.parse(text("config/drug-library.toml"))
        let syringe = try SyringeTable(toml: text("hardware/syringes.toml")).syringe(named: "BD Plastipak 50 mL")
        _ = controller.handle(.loadSyringe(syringe, fill: Millilitres(50)), at: now)
        let request = ProgramRequest(
            drug: "ketamine", concentration: MilligramsPerMillilitre(2), weight: Kilograms(70),
            dose: .weightBased(MilligramsPerKilogramPerHour(0.35)), extent: .duration(.hours(4)))
        guard let plan = controller.validate(request, with: ProgramValidator(library: library)).plan else {
            fatalError("the benchmark program was refused")
        }
        _ = controller.handle(.program(plan), at: now)
        _ = controller.handle(.start, at: now)
        for _ in 0..<10_000 { tick() }
    }

    /// One 1 kHz control period, with the step feedback a driver would give.
    @inline(__always)
    mutating func tick() {
        now = now + ControlDuration(nanoseconds: 1_000_000)
        let actuation = controller.tick(now: now, sensors: sensors)
        if actuation.motorEnabled {
            sensors.motorSteps &+= actuation.steps
            sensors.encoderCounts = Int64(Double(sensors.motorSteps) * 1.25)
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        maxDuration: .seconds(5))

    // TICK-001: the tick must not allocate. 1 000 ticks per iteration (one second of control).
    Benchmark(
        "Controller tick (stepper, running)",
        configuration: .init(scalingFactor: .kilo, thresholds: [.mallocCountTotal: .init(absolute: [.p100: 0])])
    ) { benchmark in
        var running = try RunningController()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { running.tick() }
        blackHole(running.controller.state)
    }

    Benchmark("Simulated tick (controller + pump physics)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let library = try DrugLibraryParser.parse(text("config/drug-library.toml"))
        let syringes = try SyringeTable(toml: text("hardware/syringes.toml"))
        var scenario = try ScenarioParser.parse(
            text("simulator/scenarios/ketamine-crps-0.35mgkgh-4h.toml"), file: "crps", syringes: syringes)
        scenario.runFor = ControlDuration(nanoseconds: Int64(benchmark.scaledIterations.count) * 1_000_000)
        benchmark.startMeasurement()
        blackHole(ScenarioRunner(library: library).run(scenario))
    }

    Benchmark(
        "Continuous 22 mg/h for 100 h (five syringes), 10 ms tick",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal], timeUnits: .milliseconds, maxDuration: .seconds(120), maxIterations: 3)
    ) { benchmark in
        let library = try DrugLibraryParser.parse(text("config/drug-library.toml"))
        let syringes = try SyringeTable(toml: text("hardware/syringes.toml"))
        let scenario = try ScenarioParser.parse(
            text("simulator/scenarios/ketamine-continuous-22mgh-100h.toml"), file: "100h", syringes: syringes)
        benchmark.startMeasurement()
        let result = ScenarioRunner(library: library).run(scenario)
        benchmark.stopMeasurement()
        precondition(result.passed, "the 100 h scenario failed: \(result.failures)")
    }
}
