import InfusionCore

/// What a scenario's `[vitals] require` adds to the drug library: the observations a clinic's
/// policy says must be charted, on top of what the library requires (issue 17). The library stays
/// the authority; this only ever requires more.
enum ClinicPolicy {
    static func library(_ library: DrugLibrary, requiringCharted signs: Set<VitalSign>) -> DrugLibrary {
        guard !signs.isEmpty else { return library }
        return library.withVitals { rules in
            guard var stricter = rules else { return nil }
            for sign in signs where stricter.band(sign) != nil { stricter.requiredCharted |= 1 << UInt8(sign.rawValue) }
            return stricter
        }
    }
}

extension DrugLibrary {
    /// The same library with each drug's vital-signs rules changed: a clinic's stricter policy, or
    /// none at all for the pump without an interlock that a test compares against.
    public func withVitals(_ change: (VitalsRules?) -> VitalsRules?) -> DrugLibrary {
        let drugs = drugs.map { drug in
            DrugEntry(
                name: drug.name, displayName: drug.displayName, concentrations: drug.concentrations, concentrationLimits: drug.concentrationLimits,
                weightLimits: drug.weightLimits, weightBasedDoseLimits: drug.weightBasedDoseLimits, fixedDoseLimits: drug.fixedDoseLimits,
                bolusLimits: drug.bolusLimits, bolusDuration: drug.bolusDuration, caps: drug.caps, keepVeinOpenRate: drug.keepVeinOpenRate,
                nearEmptyWarning: drug.nearEmptyWarning, vitals: change(drug.vitals))
        }
        return DrugLibrary(name: name, version: version, checksum: checksum, drugs: drugs)
    }
}
