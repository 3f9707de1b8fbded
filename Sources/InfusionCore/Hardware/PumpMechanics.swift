/// The drive train from motor steps to plunger travel.
///
/// The reference build (DESIGN.md section 3, `hardware/`) is a NEMA 17 motor with 200 full steps per
/// revolution, driven at 1/16 microstepping, on a 2 mm lead screw: 1 600 steps per millimetre.
/// Steps per millilitre are derived from this and the syringe's bore, never hard-coded.
public struct PumpMechanics: Hashable, Sendable {
    public let fullStepsPerRevolution: Int
    public let microstepsPerFullStep: Int
    public let leadScrewMillimetresPerRevolution: Double
    /// The fastest the driver is run; 1 000 steps/s is about 1 250 mL/h with a 50 mL syringe.
    public let maximumStepsPerSecond: Int
    /// Encoder counts per motor step, where an encoder is fitted (a 1 000-line quadrature encoder
    /// gives 4 000 counts per revolution against 3 200 microsteps: 1.25).
    public let encoderCountsPerStep: Double

    public init(
        fullStepsPerRevolution: Int = 200, microstepsPerFullStep: Int = 16,
        leadScrewMillimetresPerRevolution: Double = 2, maximumStepsPerSecond: Int = 1_000,
        encoderCountsPerStep: Double = 1.25
    ) {
        self.fullStepsPerRevolution = fullStepsPerRevolution
        self.microstepsPerFullStep = microstepsPerFullStep
        self.leadScrewMillimetresPerRevolution = leadScrewMillimetresPerRevolution
        self.maximumStepsPerSecond = maximumStepsPerSecond
        self.encoderCountsPerStep = encoderCountsPerStep
    }

    public static let reference = PumpMechanics()

    public var stepsPerMillimetre: Double {
        Double(fullStepsPerRevolution * microstepsPerFullStep) / leadScrewMillimetresPerRevolution
    }

    public func stepsPerMillilitre(for syringe: SyringeSpec) -> Double {
        stepsPerMillimetre / syringe.millilitresPerMillimetre
    }

    /// The same for a bare inner diameter in mm: what a smart pump computes from its `DIA`
    /// setting, and what the serial driver converts the pump's count with.
    public func stepsPerMillilitre(forDiameter millimetres: Double) -> Double {
        stepsPerMillimetre / (Double.pi * millimetres * millimetres / 4 / 1_000)
    }

    /// The highest flow this drive can give with this syringe.
    public func maximumRate(for syringe: SyringeSpec) -> MillilitresPerHour {
        MillilitresPerHour(Double(maximumStepsPerSecond) * 3_600 / stepsPerMillilitre(for: syringe))
    }
}
