import InfusionCore

/// The IEC 60601-2-24 start-up and trumpet test: two hours at a set rate, delivery sampled every
/// 30 s, analysed over the second hour. It runs water through the very same controller path as
/// a drug program, using a volumetric test entry (1 mg/mL, wide limits) that exists only here.
public enum TrumpetTest {
    /// The test fluid: 1 mg/mL so a "dose" in mg/h equals the rate in mL/h.
    static let testFluid = DrugEntry(
        name: "test-fluid", displayName: "Water (IEC 60601-2-24 test fluid)",
        concentrations: [MilligramsPerMillilitre(1)],
        concentrationLimits: LimitBand(hardMaximum: MilligramsPerMillilitre(1)),
        weightLimits: LimitBand(hardMaximum: Kilograms(1_000)),
        weightBasedDoseLimits: nil,
        fixedDoseLimits: LimitBand(hardMaximum: MilligramsPerHour(2_000)),
        bolusLimits: nil, bolusDuration: Seconds(60),
        caps: CumulativeCaps(
            perHour: MilligramsPerKilogram(1e6), perFourHours: MilligramsPerKilogram(1e6),
            perTwentyFourHours: MilligramsPerKilogram(1e6), perProgram: MilligramsPerKilogram(1e6)),
        keepVeinOpenRate: .zero, nearEmptyWarning: Seconds(60))

    public static let library = DrugLibrary(name: "trumpet test", version: "1", checksum: "", drugs: [testFluid])

    /// The scenario the test runs: `syringe` full, at `rate`, for two hours at a 1 ms tick.
    public static func scenario(syringe: SyringeSpec, rate: MillilitresPerHour, tick: ControlDuration = .milliseconds(1)) -> Scenario {
        Scenario(
            name: "IEC 60601-2-24 trumpet, \(syringe.name), \(rate)",
            description: "Two hours at a constant rate; analysis over the second hour.",
            tick: tick, runFor: .hours(2), encoderFitted: true, syringe: syringe, fill: syringe.usableVolume, actualFill: nil,
            line: LineModel(),
            program: ProgramRequest(
                drug: testFluid.name, concentration: MilligramsPerMillilitre(1), weight: Kilograms(1),
                dose: .fixed(MilligramsPerHour(rate.value)), extent: .duration(.hours(2.1))),
            autoStart: true, events: [], expectations: ScenarioExpectations())
    }

    /// Runs the test and analyses it. Nil if the run could not deliver (e.g. a rate the pump refuses).
    public static func run(
        syringe: SyringeSpec, rate: MillilitresPerHour, imperfections: SimulatorMechanics = SimulatorMechanics(),
        tick: ControlDuration = .milliseconds(1)
    ) -> (ScenarioResult, TrumpetAnalysis?) {
        let runner = ScenarioRunner(library: library, imperfections: imperfections)
        let result = runner.run(scenario(syringe: syringe, rate: rate, tick: tick))
        return (result, ReportWriter.trumpet(for: result, setRate: rate))
    }
}
