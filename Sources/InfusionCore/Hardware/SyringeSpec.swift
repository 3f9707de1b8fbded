/// One syringe model from `hardware/syringes.toml`.
///
/// The inner diameter is what turns plunger travel into volume; a wrong diameter is a systematic
/// dosing error, so it comes from the manufacturer's data sheet and is never typed at the bedside.
public struct SyringeSpec: Hashable, Sendable {
    public let name: String
    public let manufacturer: String
    public let nominalVolume: Millilitres
    /// What can be delivered from a full syringe before the plunger meets the end stop.
    public let usableVolume: Millilitres
    public let innerDiameterMillimetres: Double

    public init(
        name: String, manufacturer: String, nominalVolume: Millilitres, usableVolume: Millilitres,
        innerDiameterMillimetres: Double
    ) {
        self.name = name
        self.manufacturer = manufacturer
        self.nominalVolume = nominalVolume
        self.usableVolume = usableVolume
        self.innerDiameterMillimetres = innerDiameterMillimetres
    }

    /// The plunger's cross-section: the factor from travel to volume and from force to pressure.
    public var plungerAreaSquareMillimetres: Double {
        Double.pi * innerDiameterMillimetres * innerDiameterMillimetres / 4
    }

    /// Millilitres displaced per millimetre of plunger travel (1 mL = 1 000 mm³).
    public var millilitresPerMillimetre: Double { plungerAreaSquareMillimetres / 1_000 }
}
