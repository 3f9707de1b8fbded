import InfusionCore
import InfusionTestSupport
import Testing

/// LIB-003, issue 14 finding 6: a library value outside physical or clinical sense is refused
/// whole, naming the entry and the field; and no conversion reachable from a file or a command
/// traps.
@Suite("Drug library: what it may say at all")
struct LibrarySenseTests {
    static let shipped = try! RepositoryFiles.text("config/drug-library.toml")

    @Test(
        "a value outside physical or clinical sense is refused, naming the entry and the field",
        arguments: [
            ("kvo_rate = \"0 mL/h\"", "kvo_rate = \"1000 mL/h\"", "kvo_rate"),
            // Red team, issue 14 F11: 5 mL/h of 10 mg/mL passed at the fixed hard maximum (50 mg/h)
            // and gave a 30 kg patient 150 mg in 3 h. 0.2 mL/h is 2 mg/h, above the 1 mg/h hard
            // minimum: a KVO that is a dose.
            ("kvo_rate = \"0 mL/h\"", "kvo_rate = \"5 mL/h\"", "kvo_rate"),
            ("kvo_rate = \"0 mL/h\"", "kvo_rate = \"0.2 mL/h\"", "kvo_rate"),
            // Red team, issue 14 F10: a 1 ms bolus ran the drive flat out.
            ("bolus_duration = \"3 min\"", "bolus_duration = \"0.001 s\"", "bolus_duration"),
            ("name = \"ketamine\"", "name = \"ketam\u{456}ne\"", "name"),
            ("hard_max_program = \"40 mg/kg\"", "hard_max_program = \"1000000000000 mg/kg\"", "cumulative.hard_max_program"),
            ("hard_max_24h = \"15 mg/kg\"", "hard_max_24h = \"5000 mg/kg\"", "cumulative.hard_max_24h"),
            ("hard_min = \"0.05 mg/kg/h\"\n", "", "hard_min"),
            ("hard_min = \"0.01 mg/kg\"\n", "", "hard_min"),
            ("hard_max = \"10 mg/mL\"", "hard_max = \"5000 mg/mL\"", "concentration.hard_max"),
            ("hard_max = \"250 kg\"", "hard_max = \"1000 kg\"", "weight.hard_max"),
            ("bolus_duration = \"3 min\"", "bolus_duration = \"25 h\"", "bolus_duration"),
        ])
    func nonsenseIsRefused(original: String, replacement: String, field: String) throws {
        var text = Self.shipped
        #expect(text.contains(original), "the shipped library has changed: \(original)")
        text = text.replacingOccurrences(of: original, with: replacement)
        do {
            _ = try DrugLibraryParser.parse(text)
            Issue.record("accepted a library with \(field) out of sense")
        } catch {
            #expect(error.entry?.hasPrefix("ketam") == true && error.field.hasSuffix(field), "\(error)")
        }
    }

    /// Found by the library fuzzer's first minute: TOMLKit's toml++ asserts (and aborts the
    /// process) on a bare key with a character outside ASCII. Every TOML file the pump reads goes
    /// through TOMLDocument, which refuses it first, naming the line and column.
    @Test(
        "a TOML file with a character outside ASCII outside its strings and comments is refused, not trapped on",
        arguments: [
            "[éx.y]\n", "[library]\nnäme = \"x\"\n", "a = 1\u{7}\n", "a = \"unterminated\nb = 2\n",
            // toml++ aborted on a table header beginning `[(` (the library fuzzer, kept in
            // Fuzz/regressions/library-program).
            "[library]\n[(rug.dose]\nx = 1\n", "a = (1)\n", "a; = 1\n",
        ])
    func nonASCIIOutsideStringsIsRefused(text: String) {
        do {
            _ = try DrugLibraryParser.parse(text, file: "lib.toml")
            Issue.record("accepted")
        } catch {
            #expect(error.field.hasPrefix("line ") && error.file == "lib.toml", "\(error)")
        }
    }

    @Test("characters outside ASCII inside strings and comments are fine")
    func nonASCIIInsideStringsIsFine() throws {
        let text = Self.shipped.replacingOccurrences(of: "display_name = \"Ketamine hydrochloride\"", with: "display_name = \"Kétamine ≤ \\\" 'x' \"")
            + "\n# ≤ ≥ µ comment\n"
        #expect(try DrugLibraryParser.parse(text).drugs.first?.displayName == "Kétamine ≤ \" 'x' ")
    }

    @Test("the shipped library is within sense")
    func shippedLibraryParses() throws {
        let library = try DrugLibraryParser.parse(Self.shipped)
        #expect(library.drugs.first?.bolusLimits?.hardMinimum != nil)
    }

    /// A dose of 10⁻¹³ mg/kg/h for 10¹² h once trapped while the command was described; a cap
    /// of 10¹² mg/kg trapped in Picograms. Every conversion from a quantity to a count saturates.
    @Test("conversions from a quantity to a count saturate instead of trapping")
    func conversionsSaturate() {
        #expect(Int64(saturating: 1e30) == .max)
        #expect(Int64(saturating: -1e30) == .min)
        #expect(Int64(saturating: .nan) == 0)
        #expect(Int64(saturating: .infinity) == .max)
        #expect(Int64(saturating: 9_223_372_036_854_775_807.0) == .max, "2^63 does not fit")
        #expect(Int64(saturating: 2.5, rounding: .down) == 2 && Int64(saturating: 2.5, rounding: .up) == 3)
        #expect(ControlDuration(Seconds(3.6e15)).nanoseconds == .max)
        #expect(Picograms(roundingUp: Milligrams(1e12 * 250)).value == .max)
        #expect(Picograms(roundingDown: Milligrams(-1e30)).value == .min)
        var planner = StepPlanner(stepsPerMillilitre: 2_880)
        planner.setRate(MillilitresPerHour(1e300), at: .origin)
        #expect(planner.due(at: ControlInstant(nanoseconds: 1_000_000_000), limit: 5) == 5)
    }

    @Test("a vanishing dose for an enormous time is refused by the library's floor, and describing it does not trap")
    func vanishingDoseForEverIsRefused() throws {
        let library = try DrugLibraryParser.parse(Self.shipped)
        let validator = ProgramValidator(library: library)
        let request = ProgramRequest(
            drug: "ketamine", concentration: MilligramsPerMillilitre(10), weight: Kilograms(70),
            dose: .weightBased(MilligramsPerKilogramPerHour(1e-13)), extent: .duration(Seconds(3.6e15)))
        guard case .refused(let findings) = validator.validate(request, syringe: try RepositoryFiles.syringe(), ledger: DoseLedger()) else {
            Issue.record("accepted")
            return
        }
        #expect(findings.contains { $0.field == "dose rate" && $0.bound == .minimum }, "\(findings)")
        #expect(!findings.description.isEmpty)
    }
}
