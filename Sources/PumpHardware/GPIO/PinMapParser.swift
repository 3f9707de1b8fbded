import InfusionCore

/// Reads `hardware/pinmap.toml`. Everything wrong is refused whole, naming the field: a line used
/// twice, a required line missing, an unknown key, an offset that is not a line number, timing
/// under the driver's datasheet. Chips and offset ranges are checked against the machine when the
/// lines are opened (``PinMap/check(lineCounts:)``).
public enum PinMapParser {
    public static func parse(_ text: String, file: String = "pinmap.toml") throws(PinMapError) -> PinMap {
        do {
            return try read(TOMLDocument(text: text, file: file))
        } catch {
            throw PinMapError(file: file, field: error.field, reason: error.reason)
        }
    }

    private static func read(_ document: TOMLDocument) throws(ConfigurationError) -> PinMap {
        try document.rejectUnknownKeys(["board", "chip", "stepper", "force_sensor", "lines"])
        let board = try document.string("board")
        let defaultChip = try document.string("chip")
        let stepper = try readStepper(document.optionalTable("stepper"))
        let forceSensor = try readForceSensor(document.optionalTable("force_sensor"))

        let linesTable = try document.table("lines")
        try linesTable.rejectUnknownKeys(Set(PinFunction.allCases.map(\.key)))
        var lines: [PinFunction: PinMap.Line] = [:]
        var owners: [LineAddress: PinFunction] = [:]
        for function in PinFunction.allCases {
            guard linesTable.contains(function.key) else {
                if function.isOptional { continue }
                throw linesTable.error(function.key, "is required: the board's \(function.role) line")
            }
            let entry = try linesTable.table(function.key)
            try entry.rejectUnknownKeys(["chip", "offset", "pin", "active", "bias"])
            guard entry.contains("offset") else { throw entry.error("offset", "is required") }
            let offset = try entry.integer("offset", default: -1)
            guard offset >= 0 else { throw entry.error("offset", "must be a line number, 0 or more") }
            let chip = try entry.optionalString("chip") ?? defaultChip
            let address = LineAddress(chip: chip, offset: offset)
            if let owner = owners[address] {
                throw entry.error("offset", "\(address) is already used by \(owner)")
            }
            owners[address] = function

            var wiring = function.defaultWiring
            if let active = try entry.optionalString("active") {
                switch active {
                case "low": wiring.activeLow = true
                case "high": wiring.activeLow = false
                default: throw entry.error("active", "must be \"low\" or \"high\", not \"\(active)\"")
                }
            }
            if let bias = try entry.optionalString("bias") {
                guard let parsed = LineWiring.Bias(rawValue: bias) else {
                    let allowed = LineWiring.Bias.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                    throw entry.error("bias", "must be one of \(allowed), not \"\(bias)\"")
                }
                wiring.bias = parsed
            }
            let pin = entry.contains("pin") ? try entry.integer("pin", default: 0) : nil
            if let pin, !(1...40).contains(pin) { throw entry.error("pin", "must be a header pin, 1 to 40") }
            lines[function] = PinMap.Line(address: address, wiring: wiring, headerPin: pin)
        }
        if (lines[.encoderA] == nil) != (lines[.encoderB] == nil) {
            let missing = lines[.encoderA] == nil ? PinFunction.encoderA : .encoderB
            throw linesTable.error(missing.key, "an encoder needs both channels, encoder_a and encoder_b")
        }
        return PinMap(board: board, lines: lines, stepper: stepper, forceSensor: forceSensor)
    }

    private static func readStepper(_ table: TOMLDocument?) throws(ConfigurationError) -> StepperTiming {
        var timing = StepperTiming()
        guard let table else { return timing }
        try table.rejectUnknownKeys(["driver", "step_high_ns", "step_low_ns", "dir_setup_ns"])
        timing.driver = try table.optionalString("driver") ?? timing.driver
        guard timing.driver == "DRV8825" else {
            throw table.error("driver", "only the DRV8825 is characterised (hardware/README.md), not \"\(timing.driver)\"")
        }
        timing.highNanoseconds = try nanoseconds(
            table, "step_high_ns", timing.highNanoseconds, at: StepperTiming.datasheetHighNanoseconds)
        timing.lowNanoseconds = try nanoseconds(
            table, "step_low_ns", timing.lowNanoseconds, at: StepperTiming.datasheetLowNanoseconds)
        timing.directionSetupNanoseconds = try nanoseconds(
            table, "dir_setup_ns", timing.directionSetupNanoseconds, at: StepperTiming.datasheetDirectionSetupNanoseconds)
        return timing
    }

    private static func nanoseconds(
        _ table: TOMLDocument, _ key: String, _ defaultValue: Int64, at least: Int64
    ) throws(ConfigurationError) -> Int64 {
        let value = Int64(try table.integer(key, default: Int(defaultValue)))
        guard value >= least else { throw table.error(key, "\(value) ns is under the DRV8825 datasheet's \(least) ns") }
        guard value <= StepperTiming.longestHighNanoseconds else {
            throw table.error(key, "\(value) ns is over \(StepperTiming.longestHighNanoseconds) ns, too long for a 1 ms control period")
        }
        return value
    }

    private static func readForceSensor(_ table: TOMLDocument?) throws(ConfigurationError) -> HX711Calibration {
        var calibration = HX711Calibration()
        guard let table else { return calibration }
        try table.rejectUnknownKeys(["zero_counts", "counts_per_newton", "samples_per_second"])
        let zero = try table.integer("zero_counts", default: Int(calibration.zeroCounts))
        guard let zeroCounts = Int32(exactly: zero), abs(zero) < 1 << 23 else {
            throw table.error("zero_counts", "must be a 24-bit reading, −8388608 to 8388607")
        }
        calibration.zeroCounts = zeroCounts
        if table.contains("counts_per_newton") {
            let scale = try table.number("counts_per_newton")
            guard scale.isFinite, abs(scale) >= 1 else {
                throw table.error("counts_per_newton", "must be a number of magnitude 1 or more")
            }
            calibration.countsPerNewton = scale
        }
        let rate = try table.integer("samples_per_second", default: calibration.samplesPerSecond)
        guard rate == 10 || rate == 80 else { throw table.error("samples_per_second", "the HX711 converts at 10 or 80, not \(rate)") }
        calibration.samplesPerSecond = rate
        return calibration
    }
}

extension PinFunction {
    /// What the line is for, in words, for errors.
    var role: String {
        switch self {
        case .step: "stepper STEP"
        case .direction: "stepper DIR"
        case .enable: "stepper enable (EN, active low)"
        case .endOfTravel: "plunger end-of-travel switch"
        case .home: "plunger home switch"
        case .clamp: "syringe clamp switch"
        case .encoderA: "encoder channel A"
        case .encoderB: "encoder channel B"
        case .hx711Data: "HX711 DOUT"
        case .hx711Clock: "HX711 SCK"
        case .airInLine: "air-in-line sensor"
        case .demandButton: "patient demand button"
        case .buzzer: "buzzer"
        case .redLED: "red LED"
        case .yellowLED: "yellow LED"
        case .nurseCall: "nurse-call relay"
        case .stopKey: "front-panel STOP key"
        case .silenceKey: "front-panel SILENCE key"
        }
    }
}
