import GPIOPump
import InfusionTestSupport
import PumpHardware
import Testing

/// A wrong pin map is refused at start, naming the field (GPIO-001).
@Suite("Pin map")
struct PinMapTests {
    static let reference: String = (try? RepositoryFiles.text("hardware/pinmap.toml")) ?? ""

    @Test("the reference pin map reads, with every signal the board has")
    func referenceMapReads() throws {
        let map = try PinMapParser.parse(Self.reference)
        #expect(map.fitted.count == PinFunction.allCases.count)
        #expect(map[.enable]?.wiring.activeLow == true)
        #expect(map[.step]?.address == LineAddress(chip: "pinctrl-bcm2711", offset: 17))
        #expect(map.encoderFitted)
        #expect(map.stepper.highNanoseconds >= StepperTiming.datasheetHighNanoseconds)
    }

    @Test(
        "a wrong pin map is refused naming the field",
        arguments: [
            ("dir = { offset = 27, pin = 13 }", "dir = { offset = 17, pin = 13 }", "lines.dir.offset", "already used by lines.step"),
            ("clamp = { offset = 25, pin = 22, active = \"low\", bias = \"pull-up\" }", "", "clamp", "is required"),
            ("step = { offset = 17, pin = 11 }", "step = { offset = 17, pin = 11, colour = \"red\" }", "lines.step.colour", "unknown key"),
            ("step = { offset = 17, pin = 11 }", "step = { pin = 11 }", "lines.step.offset", "is required"),
            ("step = { offset = 17, pin = 11 }", "step = { offset = -3, pin = 11 }", "lines.step.offset", "line number"),
            ("step = { offset = 17, pin = 11 }", "step = { offset = 17, pin = 41 }", "lines.step.pin", "header pin"),
            ("enable = { offset = 6, pin = 31, active = \"low\" }", "enable = { offset = 6, pin = 31, active = \"lo\" }", "lines.enable.active", "\"low\" or \"high\""),
            ("encoder_b = { offset = 21, pin = 40, bias = \"pull-up\" }", "", "encoder_b", "both channels"),
            ("step_high_ns = 5000", "step_high_ns = 1000", "stepper.step_high_ns", "datasheet"),
            ("samples_per_second = 80", "samples_per_second = 40", "force_sensor.samples_per_second", "10 or 80"),
            ("chip = \"pinctrl-bcm2711\"", "", "chip", "is required"),
        ])
    func wrongMapIsRefused(original: String, replacement: String, field: String, reason: String) throws {
        #expect(Self.reference.contains(original), "the reference map no longer has \(original)")
        let text = Self.reference.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: PinMapError.self) { try PinMapParser.parse(text, file: "pinmap.toml") }
        #expect(error?.field.hasSuffix(field) == true, "\(error?.description ?? "no error")")
        #expect(error?.reason.contains(reason) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.hasPrefix("pinmap.toml: ") == true)
    }

    @Test("a chip that does not exist, or an offset past its last line, is refused naming the field")
    func chipsAreChecked() throws {
        let map = try PinMapParser.parse(Self.reference)
        let noChip = #expect(throws: PinMapError.self) { try map.check(lineCounts: { _ in nil }) }
        #expect(noChip?.field == "lines.step")
        #expect(noChip?.reason.contains("no GPIO chip \"pinctrl-bcm2711\"") == true)
        let small = #expect(throws: PinMapError.self) { try map.check(lineCounts: { _ in 20 }) }
        #expect(small?.field == "lines.dir")
        #expect(small?.reason.contains("offset 27 is out of range") == true)
        #expect(throws: Never.self) { try map.check(lineCounts: { _ in 58 }) }
    }
}
