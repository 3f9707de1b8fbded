import InfusionCore

/// The saved progress's numbers held to physical sense before a restart believes them.
///
/// A journal is authenticated (DESIGN.md rule 11), but an edited or corrupt one is still read as
/// found, never as nothing, so its numbers reach the loop. Hand-edited values once trapped the
/// daemon at every start, a crash loop under systemd: 10¹⁷ mL delivered trapped a gauge's
/// conversion (red team, issue 14 F7). Each implausible value is replaced by the safe one (a
/// program that reads as given in full, a syringe that reads empty) and named, and the daemon
/// raises journal_lost on the names.
extension SavedProgress {
    /// More than any program or syringe holds: a program at this has nothing left to give.
    static let implausibleMillilitres = 1_000_000.0

    mutating func makePlausible() -> [String] {
        var findings: [String] = []
        func volume(_ value: Double, _ name: String) -> Bool {
            guard value.isFinite, value >= 0, value < Self.implausibleMillilitres else {
                findings.append("saved \(name) \(value) mL is not a volume a pump holds")
                return false
            }
            return true
        }
        if !volume(programDeliveredMl, "program delivery") { programDeliveredMl = Self.implausibleMillilitres }
        if !volume(primedMl, "prime") { primedMl = 0 }
        if let fill = fillMl, !volume(fill, "fill") || fill == 0 {
            if fill == 0 { findings.append("saved fill 0 mL") }
            syringe = nil
            fillMl = nil
        }
        if netSteps < 0 {
            findings.append("saved plunger position \(netSteps) steps is behind the start of the syringe")
            netSteps = 0
        }
        if let concentration = patientConcentrationMgPerMl, !(concentration.isFinite && concentration > 0 && concentration <= 1_000) {
            findings.append("saved concentration on the patient's line \(concentration) mg/mL is not one a syringe holds")
            patientConcentrationMgPerMl = nil
        }
        if let saved = patient, !(saved.weightKg.isFinite && saved.weightKg > 0 && saved.weightKg <= 650) {
            // The number stays: the ledger's windows are the patient's by it.
            findings.append("saved patient weight \(saved.weightKg) kg is not a person's; program again after new-patient")
            patient?.weightKg = 0
        }
        return findings
    }

}
