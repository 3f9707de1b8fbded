import InfusionCore

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

    /// The most this drive can push beyond `nominal` (what the steps say) over any stretch of
    /// travel: the bore's steady bias on the whole, plus the lead screw's wobble from one extreme
    /// to the other. The runner's judge allows exactly this between the ledger, which counts
    /// nominal steps, and the drug that physically left the barrel. With the defaults it is
    /// 0.2 % plus 2.2 µL on a 50 mL BD syringe, inside the ±2 % a syringe pump declares (ACC-001).
    public func worstOverDelivery(nominal: Millilitres, millilitresPerMillimetre: Double) -> Millilitres {
        let bore = (1 + boreErrorFraction) * (1 + boreErrorFraction)
        return Millilitres(max(0, nominal.value) * (bore - 1)) + wobbleSwing(millilitresPerMillimetre: millilitresPerMillimetre)
    }

    /// The lead screw's wobble from one extreme to the other, as volume.
    public func wobbleSwing(millilitresPerMillimetre: Double) -> Millilitres {
        let bore = (1 + boreErrorFraction) * (1 + boreErrorFraction)
        return Millilitres(2 * abs(leadScrewWobbleMillimetres) * millilitresPerMillimetre * bore)
    }
}
