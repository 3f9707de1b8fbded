import Benchmark
import Foundation
import GPIOPump
import InfusionCore
import PumpHardware
import PumpSimulator

/// The repository root, found from this file so the benchmarks read the shipped configuration.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

private func text(_ path: String) -> String {
    (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? ""
}

/// Loads a BD 50 mL syringe and starts the CRPS program: ketamine 0.35 mg/kg/h, 70 kg, 2 mg/mL
/// (12.25 mL/h), for 4 hours.
func startCRPSProgram(_ controller: inout InfusionController, at now: ControlInstant) throws {
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
}

/// A controller mid-way through the CRPS program (12.25 mL/h), with a motor that does every step.
private struct RunningController {
    var controller = InfusionController(settings: ControllerSettings())
    var sensors = SensorSnapshot(encoderCounts: 0)
    var now = ControlInstant.origin

    init() throws {
        try startCRPSProgram(&controller, at: now)
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

/// The same program on the GPIO backend: one control period as the daemon runs it on the board
/// (sample the lines, tick, apply), over ``LoopbackBoard``.
private struct RunningGPIOPump {
    var controller: InfusionController
    var device: GPIOStepperPump<LoopbackBoard>
    var now = ControlInstant.origin

    init() throws {
        let map = try PinMapParser.parse(text("hardware/pinmap.toml"))
        device = try GPIOStepperPump(lines: LoopbackBoard(calibration: map.forceSensor, at: now), map: map, at: now)
        controller = InfusionController(settings: ControllerSettings(encoderFitted: map.encoderFitted), startingAt: now)
        for _ in 0..<100 { period() }
        try startCRPSProgram(&controller, at: now)
        for _ in 0..<10_000 { period() }
        guard controller.state == .running else { fatalError("the GPIO benchmark program is \(controller.state), not running") }
    }

    @inline(__always)
    mutating func period() {
        now = now + ControlDuration(nanoseconds: 1_000_000)
        device.lines.advance(to: now)
        let sensors = device.sample(at: now)
        let actuation = controller.tick(now: now, sensors: sensors)
        device.apply(actuation, at: now, interval: ControlDuration(nanoseconds: 1_000_000))
    }
}

/// One control period of a backend, as the daemon's loop runs it.
protocol RunningPeriod {
    var controller: InfusionController { get }
    mutating func period()
}

extension RunningGPIOPump: RunningPeriod {}
extension RunningNE1000: RunningPeriod {}

/// A backend's period, 1 000 per iteration, failing on any allocation (TICK-001) and if the
/// program stopped, since a stopped program's period is not the one being measured.
private func periodBenchmark<Running: RunningPeriod>(_ name: String, _ make: @escaping @Sendable () throws -> Running) {
    Benchmark(name, configuration: .init(scalingFactor: .kilo, thresholds: [.mallocCountTotal: .init(absolute: [.p100: 0])])) { benchmark in
        var running = try make()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { running.period() }
        blackHole(running.controller.state)
        precondition(running.controller.state == .running, "the \(name) program stopped: \(running.controller.state)")
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

    // TICK-001 on the GPIO path: the backend's sampling and line writes allocate nothing either.
    // The HX711's and STEP's busy-waits are not in these figures.
    periodBenchmark("GPIO period (sample, tick, apply; loop-back lines)") { try RunningGPIOPump() }
    // TICK-001 on the NE-1000 path: sampling the driver's mailbox, the cross-check against the
    // pump's count and posting the target allocate nothing.
    periodBenchmark("NE-1000 period (mailbox, tick, cross-check, target)") { try RunningNE1000() }

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
