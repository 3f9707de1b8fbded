import Foundation

/// One request line: `{"v": 1, "id": "…", "command": "…", …arguments}` (docs/protocol.md).
public struct ControlRequest: Hashable, Sendable {
    /// The protocol version this side speaks. A request naming another is refused, not guessed at.
    public static let version = 1
    /// The longest line either side accepts, newline excluded.
    public static let maximumLineBytes = 64 * 1_024

    /// Echoed in the response, so a client can match them; any string the client likes.
    public var id: String?
    public var command: ControlCommand

    public init(id: String? = nil, command: ControlCommand) {
        self.id = id
        self.command = command
    }

    /// Decodes one line. Never traps: anything wrong is a ``ControlError`` naming the field, and
    /// the id is recovered when it can be, so the error reply still matches the request.
    public static func decode(_ line: some Collection<UInt8>) -> Result<ControlRequest, RequestFailure> {
        guard line.count <= maximumLineBytes else {
            return .failure(RequestFailure(id: nil, error: ControlError(.tooLong, "request is \(line.count) bytes; the limit is \(maximumLineBytes)")))
        }
        guard let fields = try? JSONDecoder().decode([String: JSONScalar].self, from: Data(line)) else {
            return .failure(RequestFailure(id: nil, error: ControlError(.malformed, "a request is one JSON object on one line")))
        }
        if let repeated = RepeatedKeyScan.firstRepeated(in: line) {
            return .failure(RequestFailure(id: nil, error: ControlError(.malformed, "\(repeated.debugDescription) is given twice; a request names each field once")))
        }
        var reader = FieldReader(fields)
        let id = try? reader.optionalString("id")
        do {
            let version = try reader.integer("v")
            guard version == Int64(Self.version) else {
                throw ControlError(.unsupportedVersion, "protocol version \(version) is not spoken here; this daemon speaks \(Self.version)")
            }
            let command = try reader.command()
            try reader.finish(command: command.name)
            return .success(ControlRequest(id: id ?? nil, command: command))
        } catch let error as ControlError {
            return .failure(RequestFailure(id: id ?? nil, error: error))
        } catch {
            return .failure(RequestFailure(id: id ?? nil, error: ControlError(.malformed, "\(error)")))
        }
    }

    /// The line for this request, newline included.
    public func encoded() -> Data {
        var fields: [String: Any] = ["v": Self.version, "command": command.name]
        if let id { fields["id"] = id }
        switch command {
        case .history(let since, let limit, let verify):
            if let since { fields["since_control_ns"] = since }
            fields["limit"] = limit
            fields["verify"] = verify
        case .loadSyringe(let name, let fill):
            fields["syringe"] = name
            if let fill { fields["fill"] = fill }
        case .prime(let volume, let disconnected):
            fields["volume"] = volume
            if disconnected { fields["line_disconnected"] = true }
        case .program(let program):
            fields["drug"] = program.drug
            fields["concentration"] = program.concentration
            fields["weight"] = program.weight
            fields["dose"] = program.dose
            if let duration = program.duration { fields["duration"] = duration }
            if let volume = program.volume { fields["volume"] = volume }
            if let bolus = program.bolus { fields["bolus"] = bolus }
            fields["confirm_soft_limits"] = program.confirmSoftLimits
        case .bolus(let dose, let confirm):
            fields["dose"] = dose
            fields["confirm_soft_limits"] = confirm
        case .acknowledge(let alarm): if let alarm { fields["alarm"] = alarm }
        case .simulate(let fault): fields["fault"] = fault
        case .acceptJournal(let reason): fields["reason"] = reason
        case .newPatient(let weight, let id):
            fields["weight"] = weight
            if let id { fields["patient_id"] = id }
        case .vitals(let chart):
            if let value = chart.bloodPressure { fields["bp"] = value }
            if let value = chart.respiratoryRate { fields["rr"] = value }
            if let value = chart.heartRate { fields["hr"] = value }
            if let value = chart.spo2 { fields["spo2"] = value }
        default: break
        }
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        return data + Data("\n".utf8)
    }
}

/// A request that could not be decoded, with its id where one was readable.
public struct RequestFailure: Error, Hashable, Sendable {
    public var id: String?
    public var error: ControlError
}

/// A request field's value. Requests are flat: a nested array or object is kept only to be refused.
private enum JSONScalar: Decodable {
    case string(String)
    case bool(Bool)
    case number(Double)
    case null
    case nested

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .nested
        }
    }
}

/// Reads a request's fields by name, remembering which were used so any left over are refused.
private struct FieldReader {
    private let fields: [String: JSONScalar]
    private var used: Set<String> = ["v", "id", "command"]

    init(_ fields: [String: JSONScalar]) { self.fields = fields }

    mutating func string(_ key: String) throws -> String {
        guard let value = try optionalString(key) else { throw ControlError(.malformed, "\"\(key)\" is required") }
        return value
    }

    mutating func optionalString(_ key: String) throws -> String? {
        used.insert(key)
        switch fields[key] {
        case nil, .null: return nil
        case .string(let text): return text
        default: throw ControlError(.malformed, "\"\(key)\" must be a string")
        }
    }

    mutating func integer(_ key: String) throws -> Int64 {
        guard let value = try optionalInteger(key) else { throw ControlError(.malformed, "\"\(key)\" is required") }
        return value
    }

    mutating func optionalInteger(_ key: String) throws -> Int64? {
        used.insert(key)
        switch fields[key] {
        case nil, .null: return nil
        case .number(let number) where number == number.rounded() && abs(number) < 9e18: return Int64(number)
        default: throw ControlError(.malformed, "\"\(key)\" must be a whole number")
        }
    }

    mutating func flag(_ key: String) throws -> Bool {
        used.insert(key)
        switch fields[key] {
        case nil, .null: return false
        case .bool(let value): return value
        default: throw ControlError(.malformed, "\"\(key)\" must be true or false")
        }
    }

    mutating func command() throws -> ControlCommand {
        let name = try string("command")
        switch name {
        case "status": return .status
        case "watch": return .watch
        case "alarms": return .alarms
        case "library": return .library
        case "history":
            let limit = try optionalInteger("limit") ?? 100
            guard (1...10_000).contains(limit) else { throw ControlError(.badArgument, "\"limit\" must be 1…10000, not \(limit)") }
            return .history(sinceControlNanoseconds: try optionalInteger("since_control_ns"), limit: Int(limit), verify: try flag("verify"))
        case "load_syringe": return .loadSyringe(name: try string("syringe"), fill: try optionalString("fill"))
        case "unload_syringe": return .unloadSyringe
        case "prime": return .prime(volume: try string("volume"), lineDisconnected: try flag("line_disconnected"))
        case "program":
            let arguments = ProgramArguments(
                drug: try string("drug"), concentration: try string("concentration"), weight: try string("weight"),
                dose: try string("dose"), duration: try optionalString("duration"), volume: try optionalString("volume"),
                bolus: try optionalString("bolus"), confirmSoftLimits: try flag("confirm_soft_limits"))
            guard (arguments.duration == nil) != (arguments.volume == nil) else {
                throw ControlError(.badArgument, "program needs exactly one of \"duration\" and \"volume\"")
            }
            return .program(arguments)
        case "start": return .start
        case "pause": return .pause
        case "resume": return .resume
        case "stop": return .stop
        case "bolus": return .bolus(dose: try string("dose"), confirmSoftLimits: try flag("confirm_soft_limits"))
        case "ack": return .acknowledge(alarm: try optionalString("alarm"))
        case "silence": return .silence
        case "reset": return .reset
        case "new_patient":
            let id = try optionalString("patient_id")
            if let id, let problem = PatientIdentifier.problem(with: id) {
                throw ControlError(.badArgument, "\"patient_id\" \(problem)")
            }
            return .newPatient(weight: try string("weight"), id: id)
        case "vitals":
            let chart = ChartArguments(
                bloodPressure: try optionalString("bp"), respiratoryRate: try optionalString("rr"), heartRate: try optionalString("hr"),
                spo2: try optionalString("spo2"))
            guard chart != ChartArguments() else { throw ControlError(.badArgument, "vitals needs at least one of \"bp\", \"rr\", \"hr\", \"spo2\"") }
            return .vitals(chart)
        case "reload_library": return .reloadLibrary
        case "accept_journal":
            let reason = try string("reason")
            guard (1...500).contains(reason.count), !reason.contains(where: { $0.isNewline }) else {
                throw ControlError(.badArgument, "\"reason\" is one line of 1–500 characters")
            }
            return .acceptJournal(reason: reason)
        case "simulate": return .simulate(fault: try string("fault"))
        default: throw ControlError(.unknownCommand, "no command \"\(name)\"")
        }
    }

    /// Refuses fields the command does not take: a misspelt argument must not be ignored.
    func finish(command: String) throws {
        let extra = Set(fields.keys).subtracting(used).sorted()
        guard extra.isEmpty else {
            throw ControlError(.badArgument, "\(command) takes no \(extra.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }
}
