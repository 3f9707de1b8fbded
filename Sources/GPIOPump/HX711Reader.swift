import InfusionCore
import PumpHardware

/// Reads the plunger force from an HX711 load-cell amplifier by bit-banging its two-wire
/// interface (avia semiconductor HX711 datasheet): DOUT low means a conversion is ready; 24 SCK
/// pulses shift it out MSB first, and a 25th selects channel A at gain 128 for the next one.
///
/// SCK high may last at most 50 µs (at 60 µs the chip powers down), so the read-out holds each
/// half-period for 1 µs, well inside both the 0.2 µs minimum and that maximum.
public struct HX711Reader: Sendable {
    public let calibration: HX711Calibration
    public static let clockHalfPeriodNanoseconds: Int64 = 1_000
    /// A reading older than four conversion periods is no reading (50 ms at 80 SPS).
    public var staleAfter: ControlDuration {
        ControlDuration(nanoseconds: 4 * 1_000_000_000 / Int64(calibration.samplesPerSecond))
    }

    public private(set) var lastRaw: Int32?
    public private(set) var lastReadingAt: ControlInstant?
    public private(set) var readings: Int64 = 0
    /// Read-outs dropped because DOUT did not rise after the 25th pulse.
    public private(set) var stuckReadouts: Int64 = 0
    /// Whether the last poll found DOUT low: with no reading ever, low is a stuck line and high an
    /// amplifier that never signals (unplugged, unpowered). The count above only grows, so it
    /// cannot say which is the case now.
    public private(set) var dataLowAtLastPoll = false

    /// Line time one read-out takes: 25 clock pulses and the check after them.
    public static var readOutNanoseconds: Int64 { 51 * clockHalfPeriodNanoseconds }

    public init(calibration: HX711Calibration) {
        self.calibration = calibration
    }

    /// Reads a conversion if one is ready. Call once per control period.
    public mutating func poll<Lines: GPIOLines>(_ lines: inout Lines, at now: ControlInstant) throws(GPIOLineError) {
        dataLowAtLastPoll = try !lines.get(.hx711Data)
        guard dataLowAtLastPoll else { return }
        var raw: UInt32 = 0
        for _ in 0..<24 {
            try lines.set(.hx711Clock, true)
            lines.hold(nanoseconds: Self.clockHalfPeriodNanoseconds)
            let bit = try lines.get(.hx711Data)
            try lines.set(.hx711Clock, false)
            lines.hold(nanoseconds: Self.clockHalfPeriodNanoseconds)
            raw = raw << 1 | (bit ? 1 : 0)
        }
        try lines.set(.hx711Clock, true)
        lines.hold(nanoseconds: Self.clockHalfPeriodNanoseconds)
        try lines.set(.hx711Clock, false)
        lines.hold(nanoseconds: Self.clockHalfPeriodNanoseconds)
        // The 25th pulse makes the chip raise DOUT until its next conversion. A DOUT still low is
        // stuck (shorted, or a lost amplifier behind a pull-down): its zeros are no force, and
        // taking them would blind occlusion detection without an alarm. The reading is dropped;
        // staleness then raises force_sensor_fault.
        guard try lines.get(.hx711Data) else {
            stuckReadouts += 1
            return
        }
        // Two's complement, 24 bits.
        lastRaw = Int32(bitPattern: raw << 8) >> 8
        lastReadingAt = now
        readings += 1
    }

    /// The force in newtons, or NaN when there is none to trust: no conversion yet, a stale one
    /// (DOUT stuck high: unplugged or unpowered), or one at the converter's limits (a broken bridge
    /// or an overload). The tick raises `force_sensor_fault` on NaN.
    public func newtons(at now: ControlInstant) -> Double {
        guard let raw = lastRaw, let at = lastReadingAt, now - at <= staleAfter else { return .nan }
        guard raw > HX711Calibration.lowestReading, raw < HX711Calibration.highestReading else { return .nan }
        return Double(raw - calibration.zeroCounts) / calibration.countsPerNewton
    }
}
