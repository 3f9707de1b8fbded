import TOMLKit

/// The syringes this pump is validated for, read from `hardware/syringes.toml`.
public struct SyringeTable: Sendable {
    public let syringes: [SyringeSpec]

    public init(syringes: [SyringeSpec]) { self.syringes = syringes }

    /// Looks a syringe up by its exact name, or says which names exist.
    public func syringe(named name: String) throws(ConfigurationError) -> SyringeSpec {
        guard let found = syringes.first(where: { $0.name == name }) else {
            throw ConfigurationError(
                file: "syringes", entry: name, field: "name",
                reason: "unknown syringe; known: \(syringes.map(\.name).joined(separator: ", "))")
        }
        return found
    }

    /// Bores from a 1 mL syringe (4.8 mm) to a 60 mL one (29 mm), with room either side.
    static let diameters = 3.0...40.0
    static let nominalVolumes = 0.5...100.0
    /// Plunger travel a full syringe needs: 10 mL BD is 61 mm, 50 mL BD 90 mm.
    static let strokes = 10.0...200.0

    /// Parses the table, refusing it whole if any entry is incomplete or physically impossible.
    public init(toml text: String, file: String = "hardware/syringes.toml") throws(ConfigurationError) {
        let root = try TOMLDocument(text: text, file: file)
        let entries = try root.tables("syringe")
        guard !entries.isEmpty else {
            throw ConfigurationError(file: file, entry: nil, field: "syringe", reason: "no [[syringe]] entries")
        }
        var syringes: [SyringeSpec] = []
        for entry in entries {
            let name = try entry.string("name")
            let diameter = try entry.positiveNumber("inner_diameter_mm")
            let nominal = try entry.quantity("nominal_volume", QuantityParser.volume)
            let usable = try entry.quantity("usable_volume", QuantityParser.volume)
            guard nominal.value > 0 else { throw entry.error("nominal_volume", "must be greater than 0 mL") }
            guard usable.value > 0, usable <= nominal * 1.25 else {
                throw entry.error("usable_volume", "must be above 0 and at most 125 % of the nominal volume")
            }
            // Within what a syringe driver's clamp holds: the table once took a 10⁻³⁰⁰ mm bore,
            // passed --check-config, and trapped the daemon at load-syringe (red team, issue 14 F6).
            guard Self.diameters.contains(diameter) else {
                throw entry.error("inner_diameter_mm", "\(diameter) mm is outside \(Self.diameters.lowerBound)…\(Self.diameters.upperBound) mm, the bores a syringe clamp holds")
            }
            guard Self.nominalVolumes.contains(nominal.value) else {
                throw entry.error("nominal_volume", "\(nominal) is outside \(Self.nominalVolumes.lowerBound)…\(Self.nominalVolumes.upperBound) mL")
            }
            let stroke = usable.value * 1_000 / (Double.pi / 4 * diameter * diameter)
            guard Self.strokes.contains(stroke) else {
                throw entry.error(
                    "usable_volume",
                    "\(usable) through a \(diameter) mm bore is a \(Int64(saturating: stroke)) mm stroke, outside \(Int(Self.strokes.lowerBound))…\(Int(Self.strokes.upperBound)) mm: the bore or the volume is wrong")
            }
            guard !syringes.contains(where: { $0.name == name }) else {
                throw entry.error("name", "is listed twice")
            }
            syringes.append(
                SyringeSpec(
                    name: name, manufacturer: try entry.string("manufacturer"), nominalVolume: nominal,
                    usableVolume: usable, innerDiameterMillimetres: diameter))
        }
        self.syringes = syringes
    }
}
