/// The syringe in the clamp as the tick sees it: plain numbers only, so reading it in the tick
/// costs no reference counting. The model's name lives in ``InfusionController/syringeSpec``.
public struct LoadedSyringe: Hashable, Sendable {
    public let fill: Millilitres
    public let stepsPerMillilitre: Double
    public let plungerAreaSquareMillimetres: Double
    /// A smart pump is told it (NE-1000 `DIA`): it computes its own delivery from it.
    public let innerDiameterMillimetres: Double
    /// Net steps pushed since loading (forward minus back-off).
    public var netSteps: Int64 = 0
    /// The concentration this syringe was first started with. From that start until the syringe
    /// is unloaded its line is on the patient (DESIGN.md rule 10): every forward step is drug at
    /// this concentration, in the ledger and under the caps, whatever the state; priming is refused;
    /// and a program of another concentration is refused (the syringe holds what it holds).
    public var patientConcentration: MilligramsPerMillilitre?

    public var isOnPatient: Bool { patientConcentration != nil }

    public init(spec: SyringeSpec, fill: Millilitres, mechanics: PumpMechanics) {
        self.fill = fill
        self.stepsPerMillilitre = mechanics.stepsPerMillilitre(for: spec)
        self.plungerAreaSquareMillimetres = spec.plungerAreaSquareMillimetres
        self.innerDiameterMillimetres = spec.innerDiameterMillimetres
    }

    /// Whole steps left before the syringe is empty.
    public var remainingSteps: Int64 {
        max(0, Int64(saturating: fill.value * stepsPerMillilitre, rounding: .down) &- netSteps)
    }

    public var remaining: Millilitres { Millilitres(Double(remainingSteps) / stepsPerMillilitre) }

    /// Line pressure from plunger force: P = F / A, with 1 N/mm² = 7 500.6 mmHg.
    public func pressure(fromForce newtons: Double) -> MillimetresOfMercury {
        MillimetresOfMercury(max(0, newtons) / plungerAreaSquareMillimetres * 7_500.617)
    }
}
