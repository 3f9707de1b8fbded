/// Checks a program against the drug library, the pump's mechanics, and what the dose ledger says
/// has already been given, before anything moves (DESIGN.md rule 1, first of three checks).
public struct ProgramValidator: Sendable {
    public let library: DrugLibrary
    public let mechanics: PumpMechanics

    /// The shortest program: a second.
    public static let shortestProgram = Seconds(1)

    public init(library: DrugLibrary, mechanics: PumpMechanics = .reference) {
        self.library = library
        self.mechanics = mechanics
    }

    /// Validates `request` for `syringe`, counting what `ledger` already holds against the caps.
    public func validate(_ request: ProgramRequest, syringe: SyringeSpec, ledger: DoseLedger) -> ProgramValidation {
        guard let drug = library.drug(named: request.drug) else {
            let known = library.drugs.map(\.name).joined(separator: ", ")
            return .refused([
                LimitFinding(
                    field: "drug", severity: .hard, bound: .maximum, value: request.drug,
                    limit: "one of the library's drugs (\(known))", rule: "LIB-002")
            ])
        }
        var findings: [LimitFinding] = []

        findings += drug.concentrationLimits.findings(for: request.concentration, field: "concentration", rule: "DOSE-002")
        if findings.isEmpty, !drug.concentrations.contains(request.concentration) {
            findings.append(
                LimitFinding(
                    field: "concentration", severity: .hard, bound: .maximum, value: "\(request.concentration)",
                    limit: "a library strength (\(drug.concentrations.map(\.description).joined(separator: ", ")))",
                    rule: "DOSE-002"))
        }
        findings += drug.weightLimits.findings(for: request.weight, field: "patient weight", rule: "DOSE-004")

        switch request.dose {
        case .weightBased(let rate):
            if let band = drug.weightBasedDoseLimits {
                findings += band.findings(for: rate, field: "dose rate", rule: "DOSE-001")
            } else {
                findings.append(modeNotAllowed(drug, "mg/kg/h"))
            }
        case .fixed(let rate):
            if let band = drug.fixedDoseLimits {
                findings += band.findings(for: rate, field: "dose rate", rule: "DOSE-001")
            } else {
                findings.append(modeNotAllowed(drug, "mg/h"))
            }
        }

        let drugRate = request.dose.drugRate(for: request.weight)
        let rate = drugRate / request.concentration
        let maximumRate = mechanics.maximumRate(for: syringe)
        if rate > maximumRate {
            findings.append(
                LimitFinding(
                    field: "flow rate", severity: .hard, bound: .maximum, value: "\(rate)", limit: "\(maximumRate)",
                    rule: "DOSE-007"))
        }

        let duration: Seconds
        let volume: Millilitres
        switch request.extent {
        case .duration(let span):
            duration = span
            volume = rate * span
        case .volume(let amount):
            volume = amount
            duration = rate.value > 0 ? amount / rate : .zero
        }
        // A 10⁻³⁰⁰ h program was accepted and ran its loading bolus alone (red team, issue 14
        // F12). A second is a sanity bound, not a clinical one (those are the library's): below it
        // there is no rate to plan. A rate the dose band already refused says so there; the
        // duration is then not the reason.
        if rate.value > 0, duration < Self.shortestProgram || volume.value <= 0 {
            findings.append(
                LimitFinding(
                    field: "duration", severity: .hard, bound: .minimum, value: "\(duration)", limit: "\(Self.shortestProgram)",
                    rule: "DOSE-007"))
        } else if !(rate.value > 0), findings.isEmpty {
            findings.append(
                LimitFinding(
                    field: "dose rate", severity: .hard, bound: .minimum, value: "\(request.dose)", limit: "more than 0", rule: "DOSE-001"))
        }

        var bolus: BolusPlan?
        if let dose = request.loadingBolus {
            let (plan, bolusFindings) = Self.planBolus(
                dose, drug: drug, request: request, basalRate: rate, maximumRate: maximumRate)
            bolus = plan
            findings += bolusFindings
        }

        let caps = drug.caps.forPatient(weighing: request.weight)
        let totalDrug = drugRate * duration + (bolus?.drug ?? .zero)
        findings += capFindings(
            caps: caps, drugRate: drugRate, duration: duration, bolus: bolus?.drug ?? .zero, total: totalDrug,
            ledger: ledger)

        let hard = findings.filter { $0.severity == .hard }
        if !hard.isEmpty { return .refused(hard) }
        if !findings.isEmpty, !request.confirmSoftLimits { return .needsConfirmation(findings) }
        return .accepted(
            InfusionPlan(
                drug: drug, concentration: request.concentration, weight: request.weight, dose: request.dose,
                drugRate: drugRate, rate: rate, duration: duration, volume: volume, totalDrug: totalDrug,
                loadingBolus: bolus, caps: caps, confirmedSoftLimits: findings, libraryChecksum: library.checksum))
    }

    /// Plans a bolus of `dose` on top of `basalRate`: checked against the bolus limits and the
    /// pump's maximum rate, delivered over the library's bolus duration (longer if the pump needs).
    public static func planBolus(
        _ dose: MilligramsPerKilogram, drug: DrugEntry, request: ProgramRequest, basalRate: MillilitresPerHour,
        maximumRate: MillilitresPerHour
    ) -> (BolusPlan?, [LimitFinding]) {
        guard let band = drug.bolusLimits else {
            return (nil, [LimitFinding(field: "bolus", severity: .hard, bound: .maximum, value: "\(dose)", limit: "no bolus for \(drug.name)", rule: "DOSE-003")])
        }
        let findings = band.findings(for: dose, field: "bolus", rule: "DOSE-003")
        let amount = dose * request.weight
        let volume = amount / request.concentration
        let headroomRate = maximumRate - basalRate
        var rate = volume / drug.bolusDuration
        if rate > headroomRate { rate = headroomRate }
        guard rate.value > 0, volume.value > 0 else { return (nil, findings) }
        return (BolusPlan(dose: dose, drug: amount, volume: volume, rate: rate, duration: volume / rate), findings)
    }

    private func modeNotAllowed(_ drug: DrugEntry, _ unit: String) -> LimitFinding {
        LimitFinding(
            field: "dose mode", severity: .hard, bound: .maximum, value: unit,
            limit: "a mode the library defines for \(drug.name)", rule: "DOSE-001")
    }

    /// The program's worst case in each rolling window — the bolus plus the rate for as much of
    /// the window as the program lasts — on top of what the ledger already holds in that window.
    private func capFindings(
        caps: DoseCaps, drugRate: MilligramsPerHour, duration: Seconds, bolus: Milligrams, total: Milligrams,
        ledger: DoseLedger
    ) -> [LimitFinding] {
        var findings: [LimitFinding] = []
        for window in DoseWindow.allCases {
            let span = min(duration, window.length.seconds)
            let projected = ledger.delivered(in: window).milligrams + bolus + drugRate * span
            let cap = caps.cap(for: window)
            if projected > cap {
                findings.append(
                    LimitFinding(
                        field: "drug over any \(window)", severity: .hard, bound: .maximum, value: "\(projected)",
                        limit: "\(cap)", rule: "DOSE-005"))
            }
        }
        if total > caps.perProgram {
            findings.append(
                LimitFinding(
                    field: "drug per program", severity: .hard, bound: .maximum, value: "\(total)",
                    limit: "\(caps.perProgram)", rule: "DOSE-005"))
        }
        return findings
    }
}
