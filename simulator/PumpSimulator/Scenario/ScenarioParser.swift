import InfusionCore

/// Reads a scenario file. Any error names the file and the field, and nothing runs.
public enum ScenarioParser {
    public static func parse(_ text: String, file: String, syringes: SyringeTable) throws(ConfigurationError) -> Scenario {
        let root = try TOMLDocument(text: text, file: file)
        try root.rejectUnknownKeys(["name", "description", "tick", "run_for", "pump", "patient", "program", "event", "expect"])

        let pump = try root.table("pump")
        try pump.rejectUnknownKeys(["syringe", "fill", "actual_fill", "encoder", "line_compliance", "line_resistance"])
        let syringe = try syringeNamed(try pump.string("syringe"), in: syringes, table: pump)
        var line = LineModel()
        if pump.contains("line_compliance") {
            // Written in µL/mmHg, the unit data sheets use.
            line.complianceMillilitresPerMillimetreOfMercury = try pump.positiveNumber("line_compliance") / 1_000
        }
        if pump.contains("line_resistance") {
            line.resistanceMillimetresOfMercuryPerMillilitrePerHour = try pump.positiveNumber("line_resistance")
        }

        let tick = ControlDuration(try root.quantity("tick", QuantityParser.duration))
        guard tick.nanoseconds >= 100_000, tick.nanoseconds <= 100_000_000 else {
            throw root.error("tick", "must be between 0.1 ms and 100 ms")
        }
        let runFor = ControlDuration(try root.quantity("run_for", QuantityParser.duration))
        guard runFor > .zero else { throw root.error("run_for", "must be longer than zero") }

        var program: ProgramRequest?
        var autoStart = false
        if let table = try root.optionalTable("program") {
            try table.rejectUnknownKeys(["drug", "concentration", "dose", "duration", "volume", "bolus", "confirm_soft_limits", "start"])
            let patient = try root.table("patient")
            try patient.rejectUnknownKeys(["weight"])
            program = try parseProgram(table, weight: try patient.quantity("weight", QuantityParser.weight))
            autoStart = try table.bool("start", default: true)
        }

        var events: [ScenarioEvent] = []
        for (index, table) in try root.tables("event").enumerated() {
            events.append(try parseEvent(table, label: "event \(index + 1)", syringes: syringes, hasProgram: program != nil))
        }
        if let later = zip(events, events.dropFirst()).first(where: { $0.1.at < $0.0.at }) {
            throw root.error("event", "\(later.1.label) at \(later.1.at) comes before the event listed above it")
        }

        return Scenario(
            name: try root.string("name"),
            description: try root.optionalString("description") ?? "",
            tick: tick, runFor: runFor,
            encoderFitted: try pump.bool("encoder", default: true),
            syringe: syringe,
            fill: try pump.quantity("fill", QuantityParser.volume),
            actualFill: try pump.optionalQuantity("actual_fill", QuantityParser.volume),
            line: line, program: program, autoStart: autoStart, events: events,
            expectations: try parseExpectations(try root.optionalTable("expect")))
    }

    private static func syringeNamed(_ name: String, in syringes: SyringeTable, table: TOMLDocument) throws(ConfigurationError) -> SyringeSpec {
        do {
            return try syringes.syringe(named: name)
        } catch {
            throw table.error("syringe", error.reason)
        }
    }

    private static func parseProgram(_ table: TOMLDocument, weight: Kilograms) throws(ConfigurationError) -> ProgramRequest {
        let dose = try table.quantity("dose", QuantityParser.doseRate)
        let extent: ProgramRequest.Extent
        switch (table.contains("duration"), table.contains("volume")) {
        case (true, false): extent = .duration(try table.quantity("duration", QuantityParser.duration))
        case (false, true): extent = .volume(try table.quantity("volume", QuantityParser.volume))
        default: throw table.error("duration", "give exactly one of duration or volume")
        }
        return ProgramRequest(
            drug: try table.string("drug"),
            concentration: try table.quantity("concentration", QuantityParser.concentration),
            weight: weight, dose: dose, extent: extent,
            loadingBolus: try table.optionalQuantity("bolus", QuantityParser.weightDose),
            confirmSoftLimits: try table.bool("confirm_soft_limits", default: false))
    }

    private static func parseEvent(
        _ table: TOMLDocument, label: String, syringes: SyringeTable, hasProgram: Bool
    ) throws(ConfigurationError) -> ScenarioEvent {
        try table.rejectUnknownKeys(["at", "do", "expect", "volume", "rate", "dose", "confirm", "alarm", "syringe", "fill", "name"])
        let at = ControlDuration(try table.quantity("at", QuantityParser.duration))
        let verb = try table.string("do")
        let action: ScenarioEvent.Action
        switch verb {
        case "start": action = .command(.start)
        case "pause": action = .command(.pause)
        case "resume": action = .command(.resume)
        case "stop": action = .command(.stop)
        case "silence": action = .command(.silence)
        case "reset": action = .command(.reset)
        case "unload_syringe": action = .command(.unloadSyringe)
        case "prime": action = .command(.prime(try table.quantity("volume", QuantityParser.volume)))
        case "program":
            guard hasProgram else { throw table.error("do", "\"program\" needs a [program] table") }
            action = .command(.program)
        case "load_syringe":
            let spec = try syringeNamed(try table.string("syringe"), in: syringes, table: table)
            action = .command(.loadSyringe(spec, fill: try table.quantity("fill", QuantityParser.volume)))
        case "bolus":
            action = .command(.bolus(try table.quantity("dose", QuantityParser.weightDose), confirm: try table.bool("confirm", default: false)))
        case "ack":
            if let name = try table.optionalString("alarm") {
                guard let id = AlarmID(name: name) else { throw table.error("alarm", "unknown alarm \"\(name)\"") }
                action = .command(.acknowledge(id))
            } else {
                action = .command(.acknowledge(nil))
            }
        case "occlusion": action = .fault(.occlusion)
        case "clear_occlusion": action = .fault(.clearOcclusion)
        case "air": action = .fault(.air(try table.quantity("volume", QuantityParser.volume)))
        case "stall": action = .fault(.stall)
        case "clear_stall": action = .fault(.clearStall)
        case "runaway": action = .fault(.runaway(try table.quantity("rate", QuantityParser.volumeRate)))
        case "clear_runaway": action = .fault(.clearRunaway)
        case "encoder_failure": action = .fault(.encoderFailure)
        case "force_sensor_failure": action = .fault(.forceSensorFailure)
        case "disengage": action = .fault(.disengage)
        case "engage": action = .fault(.engage)
        case "link_lost": action = .fault(.linkLost)
        case "link_restored": action = .fault(.linkRestored)
        case "journal_failure": action = .fault(.journalFailure)
        case "journal_restored": action = .fault(.journalRestored)
        case "loop_overrun": action = .fault(.loopOverrun)
        case "loop_recovered": action = .fault(.loopRecovered)
        case "restart": action = .fault(.restart)
        default: throw table.error("do", "unknown action \"\(verb)\"; see docs/simulator.md for the list")
        }
        var expect: ScenarioEvent.ExpectedOutcome?
        if let text = try table.optionalString("expect") {
            guard let outcome = ScenarioEvent.ExpectedOutcome(rawValue: text) else {
                throw table.error("expect", "must be \"accepted\" or \"refused\"")
            }
            guard case .command = action else { throw table.error("expect", "only commands have an outcome") }
            expect = outcome
        }
        return ScenarioEvent(at: at, action: action, expect: expect, label: label)
    }

    private static func parseExpectations(_ table: TOMLDocument?) throws(ConfigurationError) -> ScenarioExpectations {
        var expectations = ScenarioExpectations()
        guard let table else { return expectations }
        try table.rejectUnknownKeys(["state", "delivered_drug", "delivered_volume", "alarm", "no_alarms", "only_listed_alarms", "max_post_occlusion_bolus"])
        if let text = try table.optionalString("state") {
            guard let state = InfusionState.allCases.first(where: { $0.rawValue == text }) else {
                throw table.error("state", "unknown state \"\(text)\"; one of \(InfusionState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            expectations.finalState = state
        }
        if table.contains("delivered_drug") {
            expectations.deliveredDrug = try range(table, "delivered_drug", QuantityParser.mass)
        }
        if table.contains("delivered_volume") {
            expectations.deliveredVolume = try range(table, "delivered_volume", QuantityParser.volume)
        }
        for entry in try table.tables("alarm") {
            try entry.rejectUnknownKeys(["id", "by", "after"])
            let name = try entry.string("id")
            guard let id = AlarmID(name: name) else { throw entry.error("id", "unknown alarm \"\(name)\"") }
            expectations.alarms.append(
                .init(
                    id: id,
                    by: try entry.optionalQuantity("by", QuantityParser.duration).map(ControlDuration.init),
                    after: try entry.optionalQuantity("after", QuantityParser.duration).map(ControlDuration.init)))
        }
        if table.contains("no_alarms") {
            guard let names = table.table["no_alarms"]?.array else { throw table.error("no_alarms", "must be a list of alarm names") }
            for item in names {
                guard let name = item.string, let id = AlarmID(name: name) else {
                    throw table.error("no_alarms", "\(item) is not an alarm name")
                }
                expectations.forbiddenAlarms.append(id)
            }
        }
        expectations.onlyListedAlarms = try table.bool("only_listed_alarms", default: false)
        expectations.maximumPostOcclusionBolus = try table.optionalQuantity("max_post_occlusion_bolus", QuantityParser.volume)
        return expectations
    }

    private static func range<Value: PhysicalQuantity>(
        _ table: TOMLDocument, _ key: String, _ parse: (String) throws(QuantityParseError) -> Value
    ) throws(ConfigurationError) -> ClosedRange<Double> {
        let values = try table.quantities(key, parse)
        guard values.count == 2, values[0] <= values[1] else {
            throw table.error(key, "must be [minimum, maximum], e.g. [\"97 mg\", \"99 mg\"]")
        }
        return values[0].value...values[1].value
    }
}
