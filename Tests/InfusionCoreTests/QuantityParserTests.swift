import InfusionCore
import Testing

@Suite("Quantity parser")
struct QuantityParserTests {
    @Test(arguments: [
        ("0.35 mg/kg/h", ParsedQuantity.weightRate(MilligramsPerKilogramPerHour(0.35))),
        ("22 mg/h", .massRate(MilligramsPerHour(22))),
        ("10 mg/mL", .concentration(MilligramsPerMillilitre(10))),
        ("70 kg", .weight(Kilograms(70))),
        ("50 mL", .volume(Millilitres(50))),
        ("250 uL", .volume(Millilitres(0.25))),
        ("250 µL", .volume(Millilitres(0.25))),
        ("0.2 mg/kg", .weightDose(MilligramsPerKilogram(0.2))),
        ("2.2 mL/h", .volumeRate(MillilitresPerHour(2.2))),
        ("4 h", .duration(Seconds(14_400))),
        ("30 min", .duration(Seconds(1_800))),
        ("1 h 30 min", .duration(Seconds(5_400))),
        ("30min", .duration(Seconds(1_800))),
        ("5 mcg/kg/min", .weightRate(MilligramsPerKilogramPerHour(0.3))),
        ("35 mg", .mass(Milligrams(35))),
    ])
    func readsWhatATechnicianTypes(text: String, expected: ParsedQuantity) throws {
        let parsed = try QuantityParser.parse(text)
        #expect(parsed.kind == expected.kind)
        #expect(String(describing: parsed).lowercased() == String(describing: expected).lowercased()
            || approximatelyEqual(parsed, expected), "\(text) read as \(parsed)")
    }

    private func approximatelyEqual(_ lhs: ParsedQuantity, _ rhs: ParsedQuantity) -> Bool {
        func value(_ quantity: ParsedQuantity) -> Double {
            switch quantity {
            case .volume(let v): v.value
            case .mass(let v): v.value
            case .weight(let v): v.value
            case .concentration(let v): v.value
            case .volumeRate(let v): v.value
            case .massRate(let v): v.value
            case .weightRate(let v): v.value
            case .weightDose(let v): v.value
            case .duration(let v): v.value
            }
        }
        return abs(value(lhs) - value(rhs)) < 1e-9
    }

    @Test(arguments: [
        ("", QuantityParseError.Code.empty),
        ("   ", .empty),
        ("mg/h", .missingNumber),
        ("22", .missingUnit),
        ("22 furlongs", .unknownUnit("furlongs")),
        ("-5 mL", .negative),
        ("1.2.3 mL", .invalidNumber("1.2.3")),
        // Red team, issue 14 F12: these read as `unknown unit "kg"` and as 2 min.
        ("1e308 kg", .exponent("1e308")),
        ("5E-3 mL", .exponent("5E-3")),
        ("1 min 1 min", .unitOrder("min")),
        ("30 min 1 h", .unitOrder("h")),
    ])
    func refusesWhatItCannotRead(text: String, code: QuantityParseError.Code) {
        #expect(throws: QuantityParseError(code, input: text)) { try QuantityParser.parse(text) }
    }

    @Test func wrongKindNamesWhatWasExpected() {
        do {
            _ = try QuantityParser.concentration("22 mg/h")
            Issue.record("a dose rate was accepted as a concentration")
        } catch {
            #expect(error.code == .wrongKind(expected: .concentration, found: .massRate))
            #expect(error.description.contains("concentration"))
        }
    }

    @Test func compoundQuantitiesAreOnlyDurations() {
        #expect(throws: QuantityParseError.self) { try QuantityParser.parse("1 mg 2 mL") }
    }
}
