import InfusionCore

/// Reads a scenario file. Any error names the file and the field, and nothing runs.
public enum ScenarioParser {
    public static func parse(_ text: String, file: String, syringes: SyringeTable) throws(ConfigurationError) -> Scenario {
        let root = try TOMLDocument(text: text, file: file)
        try root.rejectUnknownKeys(["name", "description", "tick", "run_for", "pump", "patient", "program", "event", "expect", "vitals"])

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
        let patientTable = try root.optionalTable("patient")
        try patientTable?.rejectUnknownKeys(["weight", "vitals", "ketamine", "sensitivity", "sedation"])
        let vitals = try patientTable?.optionalString("vitals").map { (text) throws(ConfigurationError) -> PerSign<Double> in
            try parseVitalsLine(text, table: patientTable!, key: "vitals")
        }
        let ketamineResponse = try patientTable.flatMap { (table) throws(ConfigurationError) -> KetamineResponse? in
            try parseKetamineResponse(table, hasVitals: vitals != nil)
        }
        if let table = try root.optionalTable("program") {
            try table.rejectUnknownKeys(["drug", "concentration", "dose", "duration", "volume", "bolus", "confirm_soft_limits", "start"])
            let patient = try root.table("patient")
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

        var scenario = Scenario(
            name: try root.string("name"),
            description: try root.optionalString("description") ?? "",
            tick: tick, runFor: runFor,
            encoderFitted: try pump.bool("encoder", default: true),
            syringe: syringe,
            fill: try pump.quantity("fill", QuantityParser.volume),
            actualFill: try pump.optionalQuantity("actual_fill", QuantityParser.volume),
            line: line, program: program, autoStart: autoStart, events: events,
            expectations: try parseExpectations(try root.optionalTable("expect")))
        scenario.vitals = vitals
        scenario.ketamineResponse = ketamineResponse
        if ketamineResponse != nil, program == nil { throw root.error("patient.ketamine", "needs a [program] whose drug reaches the patient") }
        if let policy = try root.optionalTable("vitals") {
            try policy.rejectUnknownKeys(["require"])
            for name in try policy.strings("require") {
                guard let sign = VitalSign(name: name) else { throw policy.error("require", "\"\(name)\" is not a sign to chart (\(VitalSign.allCases.map(\.name).joined(separator: ", ")))") }
                scenario.requireCharted.insert(sign)
            }
        }
        return scenario
    }

    /// `[patient] ketamine = "domino"`, with `sensitivity` (0 to 5, 1 by default) and `sedation`
    /// (0 to 1, 0 by default); the resting signs are `vitals`, which it requires whole.
    private static func parseKetamineResponse(_ table: TOMLDocument, hasVitals: Bool) throws(ConfigurationError) -> KetamineResponse? {
        guard let model = try table.optionalString("ketamine") else {
            for key in ["sensitivity", "sedation"] where table.contains(key) {
                throw table.error(key, "describes a ketamine patient: set ketamine = \"domino\" too")
            }
            return nil
        }
        guard model == "domino" else { throw table.error("ketamine", "the simulator's ketamine model is \"domino\", not \"\(model)\"") }
        guard hasVitals else { throw table.error("ketamine", "needs the patient's resting vitals (vitals = \"spo2=… heart_rate=… …\")") }
        var response = KetamineResponse()
        if table.contains("sensitivity") {
            response.sensitivity = try table.number("sensitivity")
            guard (0...5).contains(response.sensitivity) else { throw table.error("sensitivity", "must be 0 to 5, not \(response.sensitivity)") }
        }
        if table.contains("sedation") {
            response.sedation = try table.number("sedation")
            guard (0...1).contains(response.sedation) else { throw table.error("sedation", "must be 0 to 1, not \(response.sedation)") }
        }
        return response
    }

    /// `[patient] vitals = "spo2=97 heart_rate=72 systolic=125 diastolic=80 respiratory_rate=14"`.
    private static func parseVitalsLine(_ text: String, table: TOMLDocument, key: String) throws(ConfigurationError) -> PerSign<Double> {
        var values = PerSign<Double>()
        for word in text.split(separator: " ") {
            let parts = word.split(separator: "=")
            guard parts.count == 2, let sign = VitalSign(name: String(parts[0])), let value = Double(parts[1]), sign.physicalRange.contains(value) else {
                throw table.error(key, "\"\(word)\" is not SIGN=VALUE with a sign of \(VitalSign.allCases.map(\.name).joined(separator: ", ")) and a value a person shows")
            }
            values[sign] = value
        }
        return values
    }

    /// The signs an event names (`spo2 = 78`), each within what a person shows; a chart also
    /// takes a heart rate or respiratory rate of 0, as `infusionctl vitals` does (arrest, apnoea).
    private static func eventVitals(_ table: TOMLDocument, charted: Bool = false) throws(ConfigurationError) -> PerSign<Double>? {
        var values = PerSign<Double>()
        var any = false
        for sign in VitalSign.allCases where table.contains(sign.name) {
            let value = try table.number(sign.name)
            guard (charted ? sign.chartableRange : sign.physicalRange).contains(value) else {
                throw table.error(sign.name, "\(value) \(sign.unit) is outside what a living adult shows")
            }
            values[sign] = value
            any = true
        }
        return any ? values : nil
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
        try table.rejectUnknownKeys(
            Set(["at", "do", "expect", "volume", "rate", "dose", "confirm", "alarm", "syringe", "fill", "name", "weight", "id", "line_disconnected"]
                + VitalSign.allCases.map(\.name)))
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
        case "prime":
            action = .command(.prime(try table.quantity("volume", QuantityParser.volume), lineDisconnected: try table.bool("line_disconnected", default: false)))
        case "program":
            guard hasProgram else { throw table.error("do", "\"program\" needs a [program] table") }
            action = .command(.program(weight: try table.optionalQuantity("weight", QuantityParser.weight)))
        case "new_patient":
            action = .command(.newPatient(weight: try table.quantity("weight", QuantityParser.weight), id: try table.optionalString("id")))
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
        case "journal_lost": action = .fault(.journalLost)
        case "journal_accepted": action = .fault(.journalAccepted)
        case "stop_key": action = .fault(.stopKey)
        case "stop_key_released": action = .fault(.stopKeyReleased)
        case "silence_key": action = .fault(.silenceKey)
        case "loop_overrun": action = .fault(.loopOverrun)
        case "loop_recovered": action = .fault(.loopRecovered)
        case "restart": action = .fault(.restart)
        case "vitals":
            guard let values = try eventVitals(table) else { throw table.error("do", "\"vitals\" needs at least one of \(VitalSign.allCases.map(\.name).joined(separator: ", "))") }
            action = .fault(.vitals(values))
        case "vitals_lost": action = .fault(.vitalsLost)
        case "vitals_restored": action = .fault(.vitalsRestored)
        case "chart": action = .command(.chart(try eventVitals(table, charted: true)))
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
        try table.rejectUnknownKeys(["state", "audio_paused", "delivered_drug", "delivered_volume", "alarm", "no_alarms", "only_listed_alarms", "max_post_occlusion_bolus", "patient_peak_below",
            "patient_trough_above",
        ])
        if table.contains("audio_paused") { expectations.finalAudioPaused = try table.bool("audio_paused", default: false) }
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
        if let text = try table.optionalString("patient_peak_below") {
            expectations.patientPeakBelow = try parseVitalsLine(text, table: table, key: "patient_peak_below")
        }
        if let text = try table.optionalString("patient_trough_above") {
            expectations.patientTroughAbove = try parseVitalsLine(text, table: table, key: "patient_trough_above")
        }
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
