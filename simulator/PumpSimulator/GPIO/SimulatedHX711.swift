import InfusionCore
import PumpHardware

/// An HX711 load-cell amplifier as its datasheet describes it: a conversion every 1/rate s pulls
/// DOUT low; each rising SCK edge shifts out one bit, MSB first; the 25th edge raises DOUT again
/// and selects channel A, gain 128. A failed load cell or amplifier never becomes ready.
public struct SimulatedHX711: Sendable {
    public let calibration: HX711Calibration
    private let period: ControlDuration
    private var nextConversion: ControlInstant
    private var latched: UInt32 = 0
    private var edges = 0
    private var ready = false
    /// Conversions the reader clocked out completely.
    public private(set) var readOut = 0

    public init(calibration: HX711Calibration, startingAt start: ControlInstant) {
        self.calibration = calibration
        period = ControlDuration(nanoseconds: 1_000_000_000 / Int64(calibration.samplesPerSecond))
        nextConversion = start + period
    }

    /// Converts `newtons` at each conversion instant up to `instant` (NaN: the sensor has failed).
    public mutating func advance(to instant: ControlInstant, newtons: Double) {
        while nextConversion <= instant {
            nextConversion = nextConversion + period
            // A conversion not read in time is replaced by the next, as on the chip.
            guard newtons.isFinite else { ready = false; continue }
            latched = UInt32(bitPattern: calibration.raw(forNewtons: newtons)) & 0xFF_FFFF
            edges = 0
            ready = true
        }
    }

    /// DOUT's level: low while a conversion waits, then each bit in turn.
    public var dataLine: Bool {
        guard ready else { return true }
        guard edges > 0 else { return false }
        return latched >> (24 - edges) & 1 == 1
    }

    public mutating func clockRising() {
        guard ready else { return }
        edges += 1
        if edges == 25 {
            ready = false
            readOut += 1
        }
    }
}
