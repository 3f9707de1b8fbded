/// STEP and DIR timing for the stepper driver, from its datasheet.
///
/// The reference board uses a TI DRV8825 (Pololu carrier #2133): microstepping is fixed by its
/// mode pins (M2 high: 1/16), so there is no configuration the driver could lose, and its nENBL
/// input is a plain active-low enable the board can pull up (DESIGN.md rule 4). Its timing is the
/// slower of the two common drivers (DRV8825 datasheet, TI SLVSA73, timing requirements: STEP
/// high ≥ 1.9 µs, low ≥ 1.9 µs, DIR set-up and hold ≥ 650 ns; the TMC2209 needs about 100 ns and
/// 20 ns), so pulses meeting it meet a TMC2209 as well.
///
/// The defaults are 5 µs high, 5 µs low and 1 µs DIR set-up, well over the minimums: a field report
/// on TI's forum (DRV8824, the same step logic) saw skipped steps at 2.2 µs pulses and none above
/// 4 µs. At 1 000 steps/s that is 10 µs of each 1 ms period.
public struct StepperTiming: Hashable, Sendable {
    public static let datasheetHighNanoseconds: Int64 = 1_900
    public static let datasheetLowNanoseconds: Int64 = 1_900
    public static let datasheetDirectionSetupNanoseconds: Int64 = 650
    /// Beyond this a pulse costs too much of a 1 ms control period.
    public static let longestHighNanoseconds: Int64 = 500_000

    public var driver: String
    public var highNanoseconds: Int64
    public var lowNanoseconds: Int64
    public var directionSetupNanoseconds: Int64

    public init(
        driver: String = "DRV8825", highNanoseconds: Int64 = 5_000, lowNanoseconds: Int64 = 5_000,
        directionSetupNanoseconds: Int64 = 1_000
    ) {
        self.driver = driver
        self.highNanoseconds = highNanoseconds
        self.lowNanoseconds = lowNanoseconds
        self.directionSetupNanoseconds = directionSetupNanoseconds
    }

    /// Time one pulse occupies the loop's thread.
    public var periodNanoseconds: Int64 { highNanoseconds + lowNanoseconds }
}

/// The load cell behind the HX711, as calibrated (hardware/README.md, "Calibration").
public struct HX711Calibration: Hashable, Sendable {
    /// Raw reading with no force on the plunger.
    public var zeroCounts: Int32
    /// Raw counts per newton (gain 128, channel A).
    public var countsPerNewton: Double
    /// Conversions per second: 10 or 80, set by the board's RATE pin.
    public var samplesPerSecond: Int

    public init(zeroCounts: Int32 = 0, countsPerNewton: Double = 10_700, samplesPerSecond: Int = 80) {
        self.zeroCounts = zeroCounts
        self.countsPerNewton = countsPerNewton
        self.samplesPerSecond = samplesPerSecond
    }

    public static let highestReading: Int32 = 0x7F_FFFF
    public static let lowestReading: Int32 = -0x80_0000

    /// What an HX711 converts a force to, clipped to its 24-bit range as the chip clips. The
    /// simulator's amplifier uses it, so both ends share one calibration formula.
    public func raw(forNewtons newtons: Double) -> Int32 {
        let value = (Double(zeroCounts) + newtons * countsPerNewton).rounded()
        return Int32(min(Double(Self.highestReading), max(Double(Self.lowestReading), value)))
    }
}
