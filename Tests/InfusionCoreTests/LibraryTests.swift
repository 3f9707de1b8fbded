import InfusionCore
import InfusionTestSupport
import Testing

@Suite("Drug library, syringe table and checksum")
struct LibraryTests {
    @Test func shippedLibraryHasTheKetamineEntry() throws {
        let library = try RepositoryFiles.library()
        let ketamine = try #require(library.drug(named: "ketamine"))
        #expect(ketamine.concentrationLimits.hardMaximum == MilligramsPerMillilitre(10))
        #expect(ketamine.bolusLimits?.hardMaximum == MilligramsPerKilogram(0.35))
        #expect(ketamine.weightBasedDoseLimits?.hardMaximum == MilligramsPerKilogramPerHour(2))
        #expect(ketamine.keepVeinOpenRate == .zero)
        #expect(library.checksum.count == 64)
    }

    @Test func checksumIsTheSHA256OfTheFileAndFollowsItsContent() throws {
        let text = try RepositoryFiles.text("config/drug-library.toml")
        let library = try DrugLibraryParser.parse(text)
        #expect(library.checksum == SHA256.hexDigest(of: Array(text.utf8)))
        let edited = try DrugLibraryParser.parse(text + "\n# a comment\n")
        #expect(edited.checksum != library.checksum)
    }

    @Test func sha256MatchesFIPSVectors() {
        #expect(SHA256.hexDigest(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hexDigest(of: long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Each mutation of the shipped library must be refused whole, naming the entry and field.
    @Test(arguments: [
        ("soft_max = \"1 mg/kg/h\"", "soft_max = \"3 mg/kg/h\"", "soft_max"),
        ("hard_max = \"50 mg/h\"", "hard_max = \"-50 mg/h\"", "hard_max"),
        ("hard_max = \"50 mg/h\"", "hard_max = \"0 mg/h\"", "hard_max"),
        ("hard_max_1h = \"2.5 mg/kg\"", "hard_max_1h = \"2.5 mg/parsec\"", "hard_max_1h"),
        ("kvo_rate = \"0 mL/h\"", "kvo_rate = \"0 mL/h\"\nkvo_rte = \"1 mL/h\"", "kvo_rte"),
        ("near_empty_warning = \"15 min\"", "", "near_empty_warning"),
        ("hard_max_4h = \"5 mg/kg\"", "hard_max_4h = \"1 mg/kg\"", "hard_max_4h"),
        ("concentrations = [\"1 mg/mL\", \"2 mg/mL\", \"5 mg/mL\", \"10 mg/mL\"]", "concentrations = [\"1 mg/mL\", \"100 mg/mL\"]", "concentrations"),
        // The vital-signs interlock (VITALS-005): a limit no adult shows, a critical limit inside
        // its warning limit, a persistence or chart interval out of range, an unknown source.
        ("warning_below = 94", "warning_below = 140", "warning_below"),
        ("critical_below = 90", "critical_below = 96", "warning_below"),
        ("critical_above = 180", "critical_above = 150", "critical_above"),
        ("persist = \"15 s\"", "persist = \"1 h\"", "persist"),
        ("require = []", "require = [\"capnograph\"]", "require"),
        ("chart_every = \"15 min\"", "chart_every = \"0 s\"", "chart_every"),
        ("[drug.vitals.diastolic]\nwarning_above = 100\ncritical_above = 110", "[drug.vitals.diastolic]\nwarn_above = 100", "warn_above"),
        // Red team: a zero persistence let one line stop; a persistence on a charted sign was ignored.
        ("persist = \"15 s\"", "persist = \"0 s\"", "persist"),
        ("persist = \"15 s\"", "persist = \"1.9 s\"", "persist"),
        ("[drug.vitals.diastolic]\nwarning_above = 100", "[drug.vitals.diastolic]\npersist = \"30 s\"\nwarning_above = 100", "persist"),
    ])
    func malformedLibraryIsRefusedNamingEntryAndField(original: String, replacement: String, field: String) throws {
        let text = try RepositoryFiles.text("config/drug-library.toml")
        #expect(text.contains(original), "the mutation no longer applies to the shipped library")
        let mutated = text.replacingOccurrences(of: original, with: replacement)
        do {
            _ = try DrugLibraryParser.parse(mutated)
            Issue.record("a library with \(replacement) was accepted")
        } catch {
            #expect(error.field.hasSuffix(field), "error named \(error.field): \(error)")
            #expect(error.entry == "ketamine", "error named entry \(String(describing: error.entry))")
        }
    }

    /// The shipped ketamine entry watches all five signs with the bands docs/drug-library.md
    /// gives, and requires nothing by itself (a fitted oximeter is required by being fitted).
    @Test func shippedLibraryWatchesTheVitals() throws {
        let rules = try #require(try RepositoryFiles.library().drug(named: "ketamine")?.vitals)
        #expect(rules.band(.spo2) == VitalBand(warningBelow: 94, criticalBelow: 90, persist: .seconds(15)))
        #expect(rules.band(.heartRate) == VitalBand(warningBelow: 50, warningAbove: 120, criticalBelow: 40, criticalAbove: 140, persist: .seconds(30)))
        #expect(rules.band(.systolic)?.level(of: 181) == .critical && rules.band(.diastolic)?.level(of: 105) == .warning)
        #expect(rules.band(.respiratoryRate)?.level(of: 7) == .critical)
        #expect(!rules.requireOximeter && rules.requiredCharted == 0)
        #expect(rules.oximeterLostAfter == .seconds(15) && rules.chartEvery == .minutes(15) && rules.chartGrace == .minutes(5))
    }

    @Test func libraryThatIsNotTOMLIsRefusedWithItsLine() {
        #expect(throws: ConfigurationError.self) { try DrugLibraryParser.parse("[library\nname = 1") }
    }

    @Test func syringeTableDerivesStepsPerMillilitre() throws {
        let syringe = try RepositoryFiles.syringe()
        let mechanics = PumpMechanics.reference
        #expect(mechanics.stepsPerMillimetre == 1_600)
        // DESIGN.md section 3: about 2 880 steps/mL for a 26.6 mm bore.
        #expect(abs(mechanics.stepsPerMillilitre(for: syringe) - 2_879.4) < 1)
        #expect(abs(mechanics.maximumRate(for: syringe).value - 1_250.3) < 1)
        #expect(try RepositoryFiles.syringes().syringes.count >= 5)
    }

    @Test func syringeTableRefusesAnImpossibleSyringe() throws {
        let bad = "[[syringe]]\nname = \"X\"\nmanufacturer = \"Y\"\nnominal_volume = \"50 mL\"\nusable_volume = \"90 mL\"\ninner_diameter_mm = 26.6\n"
        #expect(throws: ConfigurationError.self) { try SyringeTable(toml: bad) }
        let noBore = bad.replacingOccurrences(of: "inner_diameter_mm = 26.6\n", with: "inner_diameter_mm = -1\n")
        #expect(throws: ConfigurationError.self) { try SyringeTable(toml: noBore) }
    }

    @Test("a bore, a volume or a stroke no clamp holds is refused naming the field (red team, issue 14 F6: 1e-300 mm trapped the daemon at load-syringe)")
    func syringeTableRefusesWhatNoClampHolds() throws {
        let good = "[[syringe]]\nname = \"X\"\nmanufacturer = \"Y\"\nnominal_volume = \"50 mL\"\nusable_volume = \"50 mL\"\ninner_diameter_mm = 26.6\n"
        #expect(try SyringeTable(toml: good).syringes.count == 1)
        for (from, to, field) in [
            ("inner_diameter_mm = 26.6", "inner_diameter_mm = 1e-300", "inner_diameter_mm"),
            ("inner_diameter_mm = 26.6", "inner_diameter_mm = 1e308", "inner_diameter_mm"),
            ("inner_diameter_mm = 26.6", "inner_diameter_mm = 1000", "inner_diameter_mm"),
            ("inner_diameter_mm = 26.6", "inner_diameter_mm = 0.001", "inner_diameter_mm"),
            ("inner_diameter_mm = 26.6", "inner_diameter_mm = 6", "usable_volume"),
            ("\"50 mL\"\nusable_volume = \"50 mL\"", "\"1 mL\"\nusable_volume = \"1 mL\"", "usable_volume"),
            ("\"50 mL\"\nusable", "\"1000 mL\"\nusable", "nominal_volume"),
        ] {
            let text = good.replacingOccurrences(of: from, with: to)
            #expect {
                try SyringeTable(toml: text)
            } throws: { error in
                (error as? ConfigurationError)?.field == field
            }
        }
    }
}
