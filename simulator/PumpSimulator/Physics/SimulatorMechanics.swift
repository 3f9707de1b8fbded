/// Imperfections of the simulated drive, so the trumpet curve has something real to measure.
///
/// - Lead-screw wobble: plunger position deviates sinusoidally from nominal with the screw's
///   rotation (amplitude in mm, period one lead). 2 µm on a 2 mm lead is a rate error of about
///   ±0.6 % that averages out over one revolution: the classic short-window trumpet flare.
/// - Bore error: the real barrel is this fraction wider than the table says, a steady bias
///   (0.1 % of diameter is 0.2 % of volume).
///
/// These are model parameters chosen to be plausible, not measurements of a particular pump.
public struct SimulatorMechanics: Hashable, Sendable {
    public var leadScrewWobbleMillimetres: Double
    public var boreErrorFraction: Double

    public init(leadScrewWobbleMillimetres: Double = 0.002, boreErrorFraction: Double = 0.001) {
        self.leadScrewWobbleMillimetres = leadScrewWobbleMillimetres
        self.boreErrorFraction = boreErrorFraction
    }

    public static let ideal = SimulatorMechanics(leadScrewWobbleMillimetres: 0, boreErrorFraction: 0)
}
