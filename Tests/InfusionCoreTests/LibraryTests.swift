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
}
