/// Ketamine's plasma and effect-site concentration from the dose that reached the patient: the
/// three-compartment model of Domino et al. (PubMed 7198883), with the parameters as the opentiva
/// TCI library tabulates and cites them (`opentiva/ketamine.py`, class `Domino`; the paper itself
/// was not at hand here):
///
/// | parameter | value        |
/// |-----------|--------------|
/// | V1        | 0.063 L/kg   |
/// | k10       | 0.4381 /min  |
/// | k12       | 0.5921 /min  |
/// | k13       | 0.5900 /min  |
/// | k21       | 0.2470 /min  |
/// | k31       | 0.0146 /min  |
/// | ke0       | 0.652 /min   |
///
/// ke0 is not Domino's: opentiva derives it from a time to peak effect of 1 minute. The model is
/// the simulator's patient, never the daemon's: the pump acts on what the oximeter and the nurse
/// report, not on a prediction.
public struct DominoKetamineModel: Sendable, Equatable {
    public static let centralVolumePerKilogram = 0.063
    public static let k10 = 0.4381, k12 = 0.5921, k13 = 0.5900, k21 = 0.2470, k31 = 0.0146, ke0 = 0.652

    /// Litres of the central compartment for this patient.
    public let centralVolume: Double
    /// Milligrams in the central, fast peripheral and slow peripheral compartments.
    public private(set) var central = 0.0, fast = 0.0, slow = 0.0
    /// Effect-site concentration, mg/L (µg/mL).
    public private(set) var effectSite = 0.0

    public init(weightKilograms: Double) {
        centralVolume = Self.centralVolumePerKilogram * weightKilograms
    }

    /// Plasma concentration in ng/mL (the unit clinical papers report).
    public var plasmaNanogramsPerMillilitre: Double { central / centralVolume * 1_000 }
    public var effectSiteNanogramsPerMillilitre: Double { effectSite * 1_000 }

    /// Adds `milligrams` that reached the blood over `seconds`, spread evenly across it.
    ///
    /// Explicit Euler in steps of at most 0.1 s: the fastest rate constant is k10 + k12 + k13 =
    /// 1.62 /min, so a step moves at most 0.27 % of the central amount; the steady state it reaches
    /// is exact (`steadyStateIsRateOverClearance`).
    public mutating func advance(milligrams: Double, seconds: Double) {
        guard seconds > 0 else {
            central += max(0, milligrams)
            return
        }
        let steps = max(1, Int((seconds / 0.1).rounded(.up)))
        let minutes = seconds / 60 / Double(steps)
        let input = max(0, milligrams) / Double(steps)
        for _ in 0..<steps {
            let concentration = central / centralVolume
            let dCentral = -(Self.k10 + Self.k12 + Self.k13) * central + Self.k21 * fast + Self.k31 * slow
            let dFast = Self.k12 * central - Self.k21 * fast
            let dSlow = Self.k13 * central - Self.k31 * slow
            central += dCentral * minutes + input
            fast += dFast * minutes
            slow += dSlow * minutes
            effectSite += Self.ke0 * (concentration - effectSite) * minutes
        }
    }
}
