import InfusionCore
import VitalsSource

/// A Masimo SET oximeter on a finger, as its serial output shows it (issue 17): one ASCII 1 line
/// a second, with the faults a bedside sees — the probe off the finger, motion (interference:
/// the values wander and the device says so), silence (a cable out), and noise on the line.
public struct SimulatedOximeter: Sendable {
    public var spo2: Int = 97
    public var pulseRate: Int = 72
    public var perfusionIndex = 2.5
    /// The probe is off the finger: `---` and EXC sensor off, as the device sends it.
    public var sensorOff = false
    /// Motion: the device flags interference and its values jump by up to ±6.
    public var interference = false
    /// No line at all: the cable is out or the device is off.
    public var silent = false

    public init() {}

    /// The line for second `second` of the run (without CR LF), or nil when silent.
    public func line(second: Int64, jitter: Int = 0) -> String? {
        guard !silent else { return nil }
        let clock = "\(Self.two(second / 3_600 % 24)):\(Self.two(second / 60 % 60)):\(Self.two(second % 60))"
        var exceptions = MasimoException.masimoSET
        var line = MasimoASCIILine(spo2: spo2, pulseRate: pulseRate, perfusionIndex: perfusionIndex, alarm: 0, exceptions: exceptions)
        if sensorOff {
            exceptions |= MasimoException.sensorOff
            line = MasimoASCIILine(spo2: nil, pulseRate: nil, perfusionIndex: nil, alarm: 0, exceptions: exceptions)
        } else if interference {
            line.exceptions |= MasimoException.interference | MasimoException.lowSignalIQ
            line.spo2 = min(100, max(50, spo2 + jitter))
            line.pulseRate = min(240, max(25, pulseRate - jitter * 3))
        }
        return line.formatted(time: clock)
    }

    private static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// What the daemon's reader would publish for this second's line, received at `now`: the
    /// in-process simulator's oximeter, with no serial line in between.
    public func report(second: Int64, at now: ControlInstant, previous: OximeterReport) -> OximeterReport {
        guard let text = line(second: second), let parsed = try? MasimoASCIIParser.parse(Array(text.utf8)) else { return previous }
        let (readings, voided, quality) = parsed.readings(at: now)
        return OximeterReport(lineAt: now, readings: readings, invalidBecause: voided, lowQuality: quality, malformedLines: previous.malformedLines)
    }
}
