import Foundation
import InfusionCore

/// The fluid path from syringe to vein as one compliance and one resistance.
///
/// The syringe stopper and tubing stretch under pressure (compliance C, mL/mmHg); the cannula
/// resists flow (R, mmHg per mL/h); the vein sits at a venous pressure. Between ticks the excess
/// pressure decays with time constant τ = R·C, solved exactly (not stepped), so a 1 ms and a 10 ms
/// tick see the same physics. An occlusion makes R infinite: pressure then climbs by ΔV/C.
///
/// Defaults: C = 1 µL/mmHg stores about 0.5 mL at the 500 mmHg occlusion level, which is the
/// order of post-occlusion bolus reported for 50 mL syringes; R = 0.3 mmHg per mL/h gives about
/// 20 mmHg above venous at 70 mL/h through a peripheral cannula. They are model parameters, not
/// measurements of a particular device.
public struct LineModel: Sendable {
    public var complianceMillilitresPerMillimetreOfMercury: Double
    public var resistanceMillimetresOfMercuryPerMillilitrePerHour: Double
    public var venousPressure: Double
    public private(set) var excessPressure: Double = 0
    public var occluded = false
    /// Volume that has left the line into the patient.
    public private(set) var deliveredToPatient: Double = 0
    private var decay: (hours: Double, tau: Double, factor: Double) = (0, 0, 1)

    public init(compliance: Double = 0.001, resistance: Double = 0.3, venousPressure: Double = 10) {
        complianceMillilitresPerMillimetreOfMercury = compliance
        resistanceMillimetresOfMercuryPerMillilitrePerHour = resistance
        self.venousPressure = venousPressure
    }

    /// Pressure in the syringe and line, in mmHg above atmosphere.
    public var pressure: Double { max(0, venousPressure + excessPressure) }

    /// Volume stored in the compliance above venous pressure: what flows out if an occlusion clears.
    public var storedVolume: Double { excessPressure * complianceMillilitresPerMillimetreOfMercury }

    /// Pushes `displaced` mL into the line (negative when the plunger backs off), then lets it
    /// drain for `hours`.
    public mutating func advance(displaced: Double, hours: Double) {
        excessPressure += displaced / complianceMillilitresPerMillimetreOfMercury
        // The line cannot be sucked below vacuum.
        excessPressure = max(excessPressure, -venousPressure)
        guard !occluded, hours > 0 else { return }
        let tau = resistanceMillimetresOfMercuryPerMillilitrePerHour * complianceMillilitresPerMillimetreOfMercury
        // The tick is almost always the same length: compute e^(−Δt/τ) once per (Δt, τ).
        if hours != decay.hours || tau != decay.tau { decay = (hours, tau, exp(-hours / tau)) }
        let before = excessPressure
        excessPressure = before * decay.factor
        deliveredToPatient += (before - excessPressure) * complianceMillilitresPerMillimetreOfMercury
    }
}
