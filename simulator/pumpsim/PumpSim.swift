import ArgumentParser
import Foundation
import InfusionCore
import PumpSimulator

/// `pumpsim`: the software pump. `run` plays a scenario in virtual time; `trumpet` runs the
/// IEC 60601-2-24 accuracy test.
@main
struct PumpSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pumpsim",
        abstract: "A simulated syringe pump that runs infusiond's control core in virtual time.",
        subcommands: [Run.self, Trumpet.self, Serve.self, Oximeter.self])
}

/// Files every subcommand reads, with defaults relative to the repository root.
struct SharedOptions: ParsableArguments {
    @Option(help: "Drug library (TOML).")
    var library = "config/drug-library.toml"

    @Option(help: "Syringe table (TOML).")
    var syringes = "hardware/syringes.toml"

    func loadSyringes() throws(InputFailure) -> SyringeTable {
        do {
            return try SyringeTable(toml: try readText(syringes), file: syringes)
        } catch let error as ConfigurationError {
            throw InputFailure(error.description)
        } catch {
            throw InputFailure("\(syringes): \(error)")
        }
    }

    func loadLibrary() throws(InputFailure) -> DrugLibrary {
        do {
            return try DrugLibraryParser.parse(try readText(library), file: library)
        } catch let error as ConfigurationError {
            throw InputFailure(error.description)
        } catch {
            throw InputFailure("\(library): \(error)")
        }
    }
}

/// Input that cannot be read: exit 2, with the file and the reason.
struct InputFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func readText(_ path: String) throws(InputFailure) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw InputFailure("\(path): cannot be read (missing or not permitted)")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw InputFailure("\(path): not UTF-8 text") }
    return text
}

func failInput(_ failure: InputFailure) -> ExitCode {
    FileHandle.standardError.write(Data("pumpsim: \(failure.description)\n".utf8))
    return ExitCode(2)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario. Exit 0 when every expectation holds, 1 when one fails, 2 when the scenario cannot be read.")

    @Argument(help: "Scenario file (TOML); the format is in docs/simulator.md.")
    var scenario: String

    @OptionGroup var files: SharedOptions

    @Flag(help: "Print the summary as JSON instead of text.")
    var json = false

    @Option(help: "Write summary.json, trumpet.svg and trace.svg into this directory.")
    var report: String?

    @Option(help: "Override the scenario's virtual tick, e.g. \"10 ms\".")
    var tick: String?

    func run() throws {
        let loaded: (Scenario, DrugLibrary, ControlDuration?)
        do {
            let syringes = try files.loadSyringes()
            let library = try files.loadLibrary()
            let parsed: Scenario
            do {
                parsed = try ScenarioParser.parse(try readText(scenario), file: scenario, syringes: syringes)
            } catch let error as ConfigurationError {
                throw InputFailure(error.description)
            }
            var override: ControlDuration?
            if let tick {
                do {
                    override = ControlDuration(try QuantityParser.duration(tick))
                } catch {
                    throw InputFailure("--tick: \(error.description)")
                }
            }
            loaded = (parsed, library, override)
        } catch let failure as InputFailure {
            throw failInput(failure)
        }
        let (parsed, library, override) = loaded
        let result = ScenarioRunner(library: library).run(parsed, tick: override)
        let setRate = setRate(of: parsed, library: library)
        if let report {
            try ReportWriter.write(result, setRate: setRate, to: URL(fileURLWithPath: report))
        }
        let summary = ReportWriter.summary(for: result, trumpet: ReportWriter.trumpet(for: result, setRate: setRate))
        if json {
            print(String(decoding: try ReportWriter.jsonEncoder.encode(summary), as: UTF8.self))
        } else {
            printText(summary, reportDirectory: report)
        }
        if !result.passed { throw ExitCode(1) }
    }

    /// The program's constant rate, for the trumpet analysis.
    private func setRate(of scenario: Scenario, library: DrugLibrary) -> MillilitresPerHour? {
        guard let request = scenario.program else { return nil }
        return request.dose.drugRate(for: request.weight) / request.concentration
    }

    private func printText(_ summary: Summary, reportDirectory: String?) {
        print("scenario: \(summary.scenario)")
        print("virtual time: \(ControlDuration(Seconds(summary.simulatedSeconds))) at a \(formatQuantityValue(summary.tickMilliseconds)) ms tick, in \(String(format: "%.2f", summary.wallSeconds)) s (\(Int(summary.speedup))× real time)")
        print("final state: \(summary.finalState)")
        print("delivered: \(String(format: "%.3f", summary.deliveredVolumeMillilitres)) mL, \(String(format: "%.3f", summary.deliveredDrugMilligrams)) mg to the patient; ledger \(String(format: "%.3f", summary.ledgerDrugMilligrams)) mg")
        print("peak line pressure: \(Int(summary.peakPressureMillimetresOfMercury)) mmHg; worst step error: \(String(format: "%.4f", summary.maximumStepError)) steps (limit 1)")
        if let bolus = summary.postOcclusionBolusMillilitres { print("post-occlusion bolus: \(String(format: "%.3f", bolus)) mL") }
        if let patient = summary.patient {
            let order = VitalSign.allCases.map(\.name)
            let ranges = order.compactMap { name in
                patient.troughs[name].flatMap { low in patient.peaks[name].map { "\(name) \(formatQuantityValue(low))…\(formatQuantityValue($0))" } }
            }
            print("patient: " + ranges.joined(separator: ", "))
            if let plasma = patient.peakPlasmaNanogramsPerMillilitre, let site = patient.peakEffectSiteNanogramsPerMillilitre {
                print("ketamine (Domino): peak plasma \(Int(plasma.rounded())) ng/mL, peak effect site \(Int(site.rounded())) ng/mL")
            }
        }
        for command in summary.commands {
            let outcome = command.command.hasPrefix("fault:") ? "" : command.accepted ? " → accepted" : " → refused: \(command.detail)"
            print("  \(ControlDuration(Seconds(command.atSeconds)))  \(command.command)\(outcome)")
        }
        for alarm in summary.alarms {
            print("  \(ControlDuration(Seconds(alarm.raisedAtSeconds)))  ALARM \(alarm.id) (\(alarm.priority))")
        }
        if let trumpet = summary.trumpet {
            let windows = trumpet.windows.map { "\($0.minutes) min: \(String(format: "%+.2f", $0.minimumPercent))…\(String(format: "%+.2f", $0.maximumPercent)) %" }
            print("trumpet (2nd hour): A = \(String(format: "%+.2f", trumpet.overallPercent)) %; " + windows.joined(separator: ", "))
        }
        if let reportDirectory { print("report: \(reportDirectory)/summary.json, trumpet.svg, trace.svg") }
        if summary.passed {
            print("PASS: every expectation holds")
        } else {
            for failure in summary.failures { print("FAIL: \(failure)") }
        }
    }
}

struct Trumpet: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the IEC 60601-2-24 two-hour trumpet test at one rate.")

    @Option(help: "Syringe name from the syringe table.")
    var syringe: String

    @Option(help: "Set rate, e.g. \"1 mL/h\".")
    var rate: String

    @OptionGroup var files: SharedOptions

    @Flag(help: "Print the analysis as JSON.")
    var json = false

    @Option(help: "Write trumpet.svg into this directory.")
    var report: String?

    func run() throws {
        let spec: SyringeSpec
        let setRate: MillilitresPerHour
        do {
            let table = try files.loadSyringes()
            do {
                spec = try table.syringe(named: syringe)
                setRate = try QuantityParser.volumeRate(rate)
            } catch let error as ConfigurationError {
                throw InputFailure("--syringe: \(error.reason)")
            } catch let error as QuantityParseError {
                throw InputFailure("--rate: \(error.description)")
            }
        } catch let failure as InputFailure {
            throw failInput(failure)
        }
        let (result, analysis) = TrumpetTest.run(syringe: spec, rate: setRate)
        guard let analysis else {
            FileHandle.standardError.write(Data("pumpsim: the test did not deliver for two hours: \(result.failures.joined(separator: "; ")) \(result.commands.filter { !$0.accepted }.map(\.detail).joined(separator: "; "))\n".utf8))
            throw ExitCode(1)
        }
        if let report {
            let directory = URL(fileURLWithPath: report)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try ReportWriter.trumpetChart(analysis, title: "Trumpet curve — \(spec.name) at \(setRate)").write(
                to: directory.appendingPathComponent("trumpet.svg"), atomically: true, encoding: .utf8)
        }
        if json {
            print(String(decoding: try ReportWriter.jsonEncoder.encode(analysis), as: UTF8.self))
            return
        }
        print("IEC 60601-2-24 trumpet: \(spec.name) at \(setRate), 2nd hour, samples every 30 s")
        print("A (overall): \(String(format: "%+.3f", analysis.overallPercent)) %")
        print("window   Ep(min)    Ep(max)")
        for window in analysis.windows {
            print(String(format: "%3d min  %+7.3f %%  %+7.3f %%", window.minutes, window.minimumPercent, window.maximumPercent))
        }
        let worst = analysis.windows.map { max(abs($0.maximumPercent), abs($0.minimumPercent)) }.max() ?? 0
        print(String(format: "worst window error %.3f %% (commercial syringe pumps declare ±2 %%)", worst))
    }
}
