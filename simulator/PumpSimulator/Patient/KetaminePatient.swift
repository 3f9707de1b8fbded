import InfusionCore

/// A patient on ketamine whose vital signs follow the drug (issue 17): the concentration from
/// ``DominoKetamineModel``, and heart rate and blood pressure rising with the effect-site
/// concentration, in proportion to the patient's own resting values.
///
/// The rise is anchored on Långsjö et al. (Anesthesiology 2005;103:258-268): S-ketamine raised
/// heart rate by at most 43.5 % and mean arterial pressure by at most 27.0 %, concentration-
/// dependently, at 1959 ng/mL. The simulator takes both as straight lines through zero —
/// +2.22 % heart rate and +1.38 % pressure per 100 ng/mL — scaled by `sensitivity` (1 is
/// Långsjö's healthy volunteers; a patient with a stronger sympathetic response, such as one
/// with poorly controlled hypertension, is 2 or 3). The linear form and the sensitivity are the
/// project's assumptions, not published fits: they make a scenario show the shape of the hazard,
/// they are not a prediction for a patient.
///
/// `sedation` stands for a benzodiazepine given alongside (ketamine itself spares breathing): it
/// lowers SpO2 by up to 10 points and the respiratory rate by up to half, along
/// `sedation × C / (C + 500 ng/mL)`. Also the project's assumption; 0 leaves both alone.
public struct KetaminePatient: Sendable, Equatable {
    public static let heartRateRisePerNanogram = 0.435 / 1_959
    public static let pressureRisePerNanogram = 0.270 / 1_959
    public static let sedationHalfEffect = 500.0

    public var model: DominoKetamineModel
    /// The patient's own values with no drug on board; a scenario's `vitals` event moves them.
    public var resting: PerSign<Double>
    public var sensitivity: Double
    public var sedation: Double

    public init(weightKilograms: Double, resting: PerSign<Double>, sensitivity: Double, sedation: Double) {
        model = DominoKetamineModel(weightKilograms: weightKilograms)
        self.resting = resting
        self.sensitivity = sensitivity
        self.sedation = sedation
    }

    /// The vital signs now: the resting values moved by the effect-site concentration.
    public var vitals: PerSign<Double> {
        let concentration = model.effectSiteNanogramsPerMillilitre
        let heart = 1 + sensitivity * Self.heartRateRisePerNanogram * concentration
        let pressure = 1 + sensitivity * Self.pressureRisePerNanogram * concentration
        let sedated = sedation * concentration / (concentration + Self.sedationHalfEffect)
        var now = resting
        for sign in VitalSign.every {
            guard let value = resting[sign] else { continue }
            switch sign {
            case .heartRate: now[sign] = min(sign.physicalRange.upperBound, value * heart)
            case .systolic, .diastolic: now[sign] = min(sign.physicalRange.upperBound, value * pressure)
            case .spo2: now[sign] = max(sign.physicalRange.lowerBound, value - 10 * sedated)
            case .respiratoryRate: now[sign] = max(sign.physicalRange.lowerBound, value * (1 - 0.5 * sedated))
            }
        }
        return now
    }
}
