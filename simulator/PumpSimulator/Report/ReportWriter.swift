import Foundation
import InfusionCore

/// Writes `summary.json`, `trumpet.svg` and `trace.svg` for a run (`pumpsim run --report DIR`).
public enum ReportWriter {
    /// The one JSON style of every report: stable key order, readable, slashes as written.
    public static var jsonEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Trumpet analysis of a run: the second hour of the run's delivery, when the run is at least
    /// two hours long at a constant set rate; else the longest stretch available after the first
    /// quarter, which the summary marks as non-standard.
    public static func trumpet(for result: ScenarioResult, setRate: MillilitresPerHour?) -> TrumpetAnalysis? {
        guard let setRate, setRate.value > 0 else { return nil }
        let volumes = result.samples.map(\.deliveredToPatient)
        let secondHour = 120...240
        guard volumes.count > secondHour.upperBound else { return nil }
        return TrumpetAnalysis(cumulativeVolumes: Array(volumes[secondHour]), setRate: setRate.value)
    }

    public static func summary(for result: ScenarioResult, trumpet: TrumpetAnalysis?) -> Summary {
        Summary(
            scenario: result.scenario, passed: result.passed, failures: result.failures,
            tickMilliseconds: Double(result.tick.nanoseconds) / 1e6,
            simulatedSeconds: result.simulated.seconds.value, wallSeconds: result.wallSeconds, speedup: result.speedup,
            finalState: result.finalState.rawValue,
            deliveredVolumeMillilitres: result.deliveredToPatient.value, deliveredDrugMilligrams: result.deliveredDrug.value,
            ledgerDrugMilligrams: result.ledgerDrug.value, commandedSteps: result.commandedSteps,
            maximumStepError: result.maximumStepError, peakPressureMillimetresOfMercury: result.peakPressure,
            postOcclusionBolusMillilitres: result.postOcclusionBolus?.value,
            alarms: result.alarms.map {
                .init(id: $0.id.name, priority: $0.id.priority.description, raisedAtSeconds: $0.at.seconds.value)
            },
            commands: result.commands.map {
                .init(atSeconds: $0.at.seconds.value, command: $0.command, accepted: $0.accepted, detail: $0.detail)
            },
            trumpet: trumpet, patient: patient(of: result))
    }

    /// The patient's extremes, by sign name, where the run had a patient with signs.
    private static func patient(of result: ScenarioResult) -> Summary.Patient? {
        var peaks: [String: Double] = [:], troughs: [String: Double] = [:]
        for sign in VitalSign.every {
            if let value = result.patientPeak[sign] { peaks[sign.name] = value }
            if let value = result.patientTrough[sign] { troughs[sign.name] = value }
        }
        guard !peaks.isEmpty else { return nil }
        return .init(peaks: peaks, troughs: troughs, peakPlasmaNanogramsPerMillilitre: result.peakPlasma,
            peakEffectSiteNanogramsPerMillilitre: result.peakEffectSite)
    }

    public static func write(_ result: ScenarioResult, setRate: MillilitresPerHour?, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let trumpet = trumpet(for: result, setRate: setRate)
        try jsonEncoder.encode(summary(for: result, trumpet: trumpet)).write(to: directory.appendingPathComponent("summary.json"))
        try trumpetChart(trumpet, title: "Trumpet curve — \(result.scenario)").write(
            to: directory.appendingPathComponent("trumpet.svg"), atomically: true, encoding: .utf8)
        try traceChart(result).write(to: directory.appendingPathComponent("trace.svg"), atomically: true, encoding: .utf8)
    }

    /// Ep(max) and Ep(min) against the observation window, with the ±2 % commercial reference.
    public static func trumpetChart(_ trumpet: TrumpetAnalysis?, title: String) -> String {
        guard let trumpet else {
            var chart = SVGChart(title: title + " (run shorter than 2 h or no constant rate)", xLabel: "observation window (min)", yLabel: "error (%)", xRange: 0...32, yRange: -5...5)
            chart.series = [.init(label: "±2 % commercial", colour: "#999", points: [(0, 2), (32, 2)], dashed: true)]
            return chart.render()
        }
        let extreme = trumpet.windows.map { max(abs($0.maximumPercent), abs($0.minimumPercent)) }.max() ?? 0
        let bound = max(3, (extreme * 1.2).rounded(.up))
        var chart = SVGChart(title: title, xLabel: "observation window P (min)", yLabel: "flow error (%)", xRange: 0...32, yRange: -bound...bound)
        chart.series = [
            .init(label: "Ep(max)", colour: "#c0392b", points: trumpet.windows.map { (Double($0.minutes), $0.maximumPercent) }, markers: true),
            .init(label: "Ep(min)", colour: "#2471a3", points: trumpet.windows.map { (Double($0.minutes), $0.minimumPercent) }, markers: true),
            .init(label: "A (overall)", colour: "#1e8449", points: [(0, trumpet.overallPercent), (32, trumpet.overallPercent)]),
            .init(label: "+2 % commercial", colour: "#999", points: [(0, 2), (32, 2)], dashed: true),
            .init(label: "−2 % commercial", colour: "#999", points: [(0, -2), (32, -2)], dashed: true),
        ]
        return chart.render()
    }

    /// Line pressure (the highest in each 30 s interval, so no peak is lost) above, delivered
    /// volume below, with every alarm marked on both.
    public static func traceChart(_ result: ScenarioResult) -> String {
        let useHours = result.simulated.seconds.hours > 2
        let time: (ControlDuration) -> Double = { useHours ? $0.seconds.hours : $0.seconds.minutes }
        let times = result.samples.map { time($0.at) }
        let xRange = 0...max(times.last ?? 1, 0.01)
        let xLabel = useHours ? "time (h)" : "time (min)"
        let maxPressure = max(50, (result.samples.map(\.pressure).max() ?? 0) * 1.15)
        let maxVolume = max(0.1, (result.samples.map(\.deliveredToPatient).max() ?? 0) * 1.1)
        var pressure = SVGChart(
            title: "Line pressure — \(result.scenario)", xLabel: xLabel, yLabel: "pressure (mmHg)", xRange: xRange,
            yRange: 0...maxPressure)
        pressure.height = 320
        pressure.series = [.init(label: "line pressure", colour: "#c0392b", points: Array(zip(times, result.samples.map(\.pressure))))]
        var delivered = SVGChart(
            title: "Delivered to the patient", xLabel: xLabel, yLabel: "volume (mL)", xRange: xRange, yRange: 0...maxVolume)
        delivered.height = 320
        delivered.series = [.init(label: "delivered", colour: "#2471a3", points: Array(zip(times, result.samples.map(\.deliveredToPatient))))]
        for alarm in result.alarms {
            let colour = alarm.id.priority == .high ? "#e67e22" : alarm.id.priority == .medium ? "#b7950b" : "#999"
            let at = time(alarm.at)
            pressure.series.append(.init(label: alarm.id.name, colour: colour, points: [(at, 0), (at, maxPressure)], dashed: true))
            delivered.series.append(.init(label: alarm.id.name, colour: colour, points: [(at, 0), (at, maxVolume)], dashed: true))
        }
        return SVGChart.stack([pressure, delivered])
    }
}

/// The machine-readable result of a run (`summary.json`, and `pumpsim run --json`).
public struct Summary: Codable, Sendable {
    public struct Alarm: Codable, Sendable {
        public var id: String
        public var priority: String
        public var raisedAtSeconds: Double
    }

    public struct Command: Codable, Sendable {
        public var atSeconds: Double
        public var command: String
        public var accepted: Bool
        public var detail: String
    }

    public var scenario: String
    public var passed: Bool
    public var failures: [String]
    public var tickMilliseconds: Double
    public var simulatedSeconds: Double
    public var wallSeconds: Double
    public var speedup: Double
    public var finalState: String
    public var deliveredVolumeMillilitres: Double
    public var deliveredDrugMilligrams: Double
    public var ledgerDrugMilligrams: Double
    public var commandedSteps: Int64
    public var maximumStepError: Double
    public var peakPressureMillimetresOfMercury: Double
    public var postOcclusionBolusMillilitres: Double?
    public var alarms: [Alarm]
    public var commands: [Command]
    public var trumpet: TrumpetAnalysis?
    public var patient: Patient?

    public struct Patient: Codable, Sendable {
        public var peaks: [String: Double]
        public var troughs: [String: Double]
        public var peakPlasmaNanogramsPerMillilitre: Double?
        public var peakEffectSiteNanogramsPerMillilitre: Double?
    }
}
