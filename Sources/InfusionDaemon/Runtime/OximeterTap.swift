import InfusionCore
import VitalsSource

/// The loop's side of the oximeter (issue 17): each period it tries the reader's mailbox, keeps
/// what it had when the reader holds it, and turns the latest line into an ``OximeterReport`` in
/// control time. Plain data and a try-lock: no wait, no allocation in the period.
struct OximeterTap {
    let reader: OximeterReader
    let clock: LoopClock
    private var latest = OximeterReader.Latest()
    private var report = OximeterReport()

    init(reader: OximeterReader, clock: LoopClock) {
        self.reader = reader
        self.clock = clock
    }

    mutating func sample() -> OximeterReport {
        guard let fresh = reader.latestIfAvailable(), fresh != latest else { return report }
        latest = fresh
        var next = OximeterReport(malformedLines: fresh.malformedLines + fresh.outOfRangeLines)
        if let line = fresh.line {
            let at = clock.control(atMonotonic: fresh.lineAt)
            let (readings, voided, quality) = line.readings(at: at)
            next.lineAt = at
            next.lowQuality = quality
            if fresh.clockFrozen {
                next.invalidBecause = .clockFrozen
            } else {
                next.readings = readings
                next.invalidBecause = voided
            }
        }
        report = next
        return report
    }
}
