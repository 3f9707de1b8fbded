import InfusionCore
import InfusionTestSupport
import Testing

@Suite("Program validation")
struct ProgramValidatorTests {
    let validator: ProgramValidator
    let syringe: SyringeSpec

    init() throws {
        validator = ProgramValidator(library: try RepositoryFiles.library())
        syringe = try RepositoryFiles.syringe()
    }

    func request(
        concentration: Double = 2, weight: Double = 70, dose: DoseRate = .weightBased(MilligramsPerKilogramPerHour(0.35)),
        duration: Seconds = .hours(4), bolus: Double? = nil, confirm: Bool = false
    ) -> ProgramRequest {
        ProgramRequest(
            drug: "ketamine", concentration: MilligramsPerMillilitre(concentration), weight: Kilograms(weight), dose: dose,
            extent: .duration(duration), loadingBolus: bolus.map(MilligramsPerKilogram.init), confirmSoftLimits: confirm)
    }

    @Test("a vanishing program is refused for its duration, a zero dose for its dose (red team, issue 14 F12)")
    func vanishingProgramsAndZeroDoses() {
        guard case .refused(let findings) = validator.validate(request(duration: Seconds(3.6e-297), bolus: 0.2, confirm: true), syringe: syringe, ledger: DoseLedger()) else {
            Issue.record("a 10⁻³⁰⁰ h program was accepted")
            return
        }
        #expect(findings.map(\.field) == ["duration"] && findings.first?.limit == "1 s", "\(findings)")
        guard case .refused(let zero) = validator.validate(request(dose: .weightBased(MilligramsPerKilogramPerHour(0))), syringe: syringe, ledger: DoseLedger()) else {
            Issue.record("a zero dose was accepted")
            return
        }
        // Once: "duration 3600 s is below the hard minimum of more than 0 s".
        #expect(zero.allSatisfy { $0.field == "dose rate" }, "\(zero)")
        // Shown to four significant digits, not rounded to 0.0004 (F12).
        #expect("\(MilligramsPerKilogramPerHour(0.00035))" == "0.00035 mg/kg/h")
    }

    @Test func crpsProgramIsAcceptedWithItsDerivedNumbers() throws {
        let plan = try #require(validator.validate(request(), syringe: syringe, ledger: DoseLedger()).plan)
        #expect(abs(plan.rate.value - 12.25) < 1e-9)
        #expect(abs(plan.totalDrug.value - 98) < 1e-9)
        #expect(abs(plan.volume.value - 49) < 1e-9)
    }

    @Test(arguments: [50.0, 100.0])
    func tenFoldConcentrationIsRefusedCitingTheLimit(concentration: Double) {
        guard case .refused(let findings) = validator.validate(request(concentration: concentration), syringe: syringe, ledger: DoseLedger()) else {
            Issue.record("\(concentration) mg/mL was not refused")
            return
        }
        let finding = findings.first { $0.field == "concentration" }
        #expect(finding?.limit == "10 mg/mL")
        #expect(finding?.value == "\(Int(concentration)) mg/mL")
        #expect(finding?.rule == "DOSE-002")
    }

    @Test func doseAboveHardMaximumIsRefused() {
        guard case .refused(let findings) = validator.validate(
            request(dose: .weightBased(MilligramsPerKilogramPerHour(2.5)), duration: .minutes(30)), syringe: syringe,
            ledger: DoseLedger())
        else {
            Issue.record("2.5 mg/kg/h was not refused")
            return
        }
        #expect(findings.contains { $0.field == "dose rate" && $0.limit == "2 mg/kg/h" && $0.severity == .hard })
    }

    @Test func softLimitNeedsConfirmationAndIsAcceptedWithIt() throws {
        let above = request(dose: .weightBased(MilligramsPerKilogramPerHour(1.5)), duration: .minutes(30))
        guard case .needsConfirmation(let findings) = validator.validate(above, syringe: syringe, ledger: DoseLedger()) else {
            Issue.record("1.5 mg/kg/h did not need confirmation")
            return
        }
        #expect(findings.map(\.field) == ["dose rate"])
        var confirmed = above
        confirmed.confirmSoftLimits = true
        let plan = try #require(validator.validate(confirmed, syringe: syringe, ledger: DoseLedger()).plan)
        #expect(plan.confirmedSoftLimits == findings)
    }

    @Test(arguments: [20.0, 300.0])
    func weightOutsideTheHardRangeIsRefused(weight: Double) {
        guard case .refused(let findings) = validator.validate(request(weight: weight), syringe: syringe, ledger: DoseLedger()) else {
            Issue.record("\(weight) kg was not refused")
            return
        }
        #expect(findings.contains { $0.field == "patient weight" && $0.rule == "DOSE-004" })
    }

    @Test func bolusAboveHardMaximumIsRefused() {
        guard case .refused(let findings) = validator.validate(request(bolus: 0.5), syringe: syringe, ledger: DoseLedger()) else {
            Issue.record("a 0.5 mg/kg bolus was not refused")
            return
        }
        #expect(findings.contains { $0.field == "bolus" && $0.limit == "0.35 mg/kg" })
    }

    @Test func programThatWouldCrossARollingCapIsRefusedCountingTheLedger() throws {
        var ledger = DoseLedger()
        // 160 mg already given this hour to a 70 kg patient; the program adds 24.5 mg in its
        // first hour, and the 1 h cap is 175 mg.
        ledger.record(Picograms(roundingUp: Milligrams(160)), at: .origin + .minutes(10))
        guard case .refused(let findings) = validator.validate(request(), syringe: syringe, ledger: ledger) else {
            Issue.record("a program over the 1 h cap was accepted")
            return
        }
        #expect(findings.contains { $0.field == "drug over any 1 h" && $0.limit == "175 mg" && $0.rule == "DOSE-005" })
        // Without the earlier delivery the same program is accepted.
        #expect(validator.validate(request(), syringe: syringe, ledger: DoseLedger()).plan != nil)
    }

    @Test func unknownDrugIsRefused() {
        var unknown = request()
        unknown.drug = "propofol"
        guard case .refused(let findings) = validator.validate(unknown, syringe: syringe, ledger: DoseLedger()) else {
            Issue.record("an unknown drug was accepted")
            return
        }
        #expect(findings.first?.field == "drug")
    }

    @Test func rateBeyondThePumpIsRefused() throws {
        // 2 mg/kg/h × 200 kg at 1 mg/mL is 400 mL/h; a 10 mL syringe tops out near 371 mL/h.
        let small = try RepositoryFiles.syringe("BD Plastipak 10 mL")
        let limit = PumpMechanics.reference.maximumRate(for: small)
        #expect(limit.value < 400)
        let fast = request(concentration: 1, weight: 200, dose: .weightBased(MilligramsPerKilogramPerHour(2)), duration: .minutes(30), confirm: true)
        guard case .refused(let findings) = validator.validate(fast, syringe: small, ledger: DoseLedger()) else {
            Issue.record("400 mL/h was accepted on a 10 mL syringe")
            return
        }
        #expect(findings.contains { $0.field == "flow rate" && $0.limit == "\(limit)" && $0.rule == "DOSE-007" })
    }
}

@Suite("Limit comparisons")
struct LimitComparisonTests {
    @Test func aValueOnTheLimitInDecimalIsOnItInBinaryToo() {
        let band = LimitBand(softMaximum: MilligramsPerKilogram(0.25), hardMaximum: MilligramsPerKilogram(0.35))
        // 0.34 + 0.01 is 0.35000000000000003 in binary floating point.
        #expect(band.findings(for: MilligramsPerKilogram(0.34 + 0.01), field: "bolus", rule: "DOSE-003").first?.severity == .soft)
        #expect(band.findings(for: MilligramsPerKilogram(0.3501), field: "bolus", rule: "DOSE-003").first?.severity == .hard)
    }
}
