import ControlProtocol
import Foundation
import PropertyBased
import Testing

/// The socket's request decoding: what a hostile or careless client can send (docs/protocol.md).
@Suite("Control requests")
struct ControlRequestTests {
    func decode(_ text: String) -> Result<ControlRequest, RequestFailure> { ControlRequest.decode(Array(text.utf8)) }

    func failure(_ text: String) -> RequestFailure? {
        if case .failure(let failure) = decode(text) { return failure }
        return nil
    }

    @Test("every command survives encoding and decoding unchanged")
    func everyCommandRoundTrips() throws {
        let commands: [ControlCommand] = [
            .status, .watch, .alarms, .library, .history(sinceControlNanoseconds: 42, limit: 10, verify: true),
            .loadSyringe(name: "BD Plastipak 50 mL", fill: "48 mL"), .unloadSyringe, .prime(volume: "0.5 mL"),
            .program(ProgramArguments(drug: "ketamine", concentration: "10 mg/mL", weight: "70 kg", dose: "0.35 mg/kg/h", duration: "4 h", bolus: "0.2 mg/kg", confirmSoftLimits: true)),
            .start, .pause, .resume, .stop, .bolus(dose: "0.1 mg/kg", confirmSoftLimits: false), .acknowledge(alarm: "occlusion"),
            .acknowledge(alarm: nil), .silence, .reset, .reloadLibrary, .simulate(fault: "occlusion"),
        ]
        for command in commands {
            let request = ControlRequest(id: "7", command: command)
            let line = request.encoded()
            #expect(line.last == 0x0A)
            #expect(try decode(String(decoding: line.dropLast(), as: UTF8.self)).get() == request, "\(command.name)")
        }
    }

    @Test(
        "a broken request is refused with a code that names what is wrong, keeping its id",
        arguments: [
            ("not json", ControlError.Code.malformed, "one JSON object"),
            ("[1, 2]", .malformed, "one JSON object"),
            (#"{"id": "a", "command": "status"}"#, .malformed, "\"v\" is required"),
            (#"{"v": 2, "id": "a", "command": "status"}"#, .unsupportedVersion, "version 2"),
            (#"{"v": 1, "id": "a"}"#, .malformed, "\"command\" is required"),
            (#"{"v": 1, "id": "a", "command": "start_now"}"#, .unknownCommand, "start_now"),
            (#"{"v": 1, "id": "a", "command": "status", "verbose": true}"#, .badArgument, "\"verbose\""),
            (#"{"v": 1, "id": "a", "command": "program", "drug": "ketamine", "concentration": "10 mg/mL", "weight": "70 kg", "dose": "1 mg/kg/h"}"#, .badArgument, "exactly one of"),
            (#"{"v": 1, "id": "a", "command": "bolus", "dose": 0.2}"#, .malformed, "\"dose\" must be a string"),
            (#"{"v": 1, "id": "a", "command": "bolus", "dose": "0.2 mg/kg", "confirm_soft_limits": "yes"}"#, .malformed, "true or false"),
            (#"{"v": 1, "id": "a", "command": "history", "limit": 0}"#, .badArgument, "1…10000"),
            (#"{"v": 1, "id": "a", "command": "history", "limit": 2.5}"#, .malformed, "whole number"),
            (#"{"v": 1, "id": "a", "command": "load_syringe", "syringe": {"name": "x"}}"#, .malformed, "must be a string"),
        ])
    func brokenRequestsAreRefused(text: String, code: ControlError.Code, mention: String) throws {
        let refused = try #require(failure(text))
        #expect(refused.error.code == code, "\(refused.error)")
        #expect(refused.error.message.contains(mention), "\(refused.error.message)")
        if text.contains(#""id": "a""#), code != .malformed || mention != "one JSON object" {
            #expect(refused.id == "a")
        }
    }

    @Test("a line over 64 KiB is refused as too long without being parsed")
    func overlongLineIsRefused() throws {
        let line = [UInt8](repeating: 0x20, count: ControlRequest.maximumLineBytes + 1)
        #expect(try #require(failure(String(decoding: line, as: UTF8.self))).error.code == .tooLong)
    }

    @Test(
        "a field given twice is refused, whatever its spelling, since parsers differ on which one counts",
        arguments: [
            #"{"v":1,"command":"status","command":"stop"}"#, #"{"v":1,"command":"stop","v":1}"#,
            #"{"v":1,"command":"status","\u0063ommand":"stop"}"#, #"{"id":"a","v":1,"id":"b","command":"stop"}"#,
        ])
    func repeatedFieldIsRefused(line: String) throws {
        let refused = try #require(failure(line))
        #expect(refused.error.code == .malformed && refused.error.message.contains("twice"), "\(refused.error)")
    }

    @Test("names that only look repeated, inside strings or nested values, are not")
    func nestedNamesAreNotRepeats() throws {
        let request = try ControlRequest.decode(Data(#"{"v":1,"id":"\"command\":1,","command":"status"}"#.utf8)).get()
        #expect(request.command == .status && request.id == "\"command\":1,")
    }

    /// A parser that recurses per level would run off the socket thread's stack on a line that is
    /// all brackets; the longest line the framer passes is the deepest nesting a client can send.
    @Test("JSON nested as deep as a line allows is refused as malformed, never a trap", arguments: ["[", "{\"a\":"])
    func deepNestingIsRefused(opening: String) throws {
        let depth = ControlRequest.maximumLineBytes / opening.utf8.count - 40
        let bare = String(repeating: opening, count: depth)
        #expect(try #require(failure(bare)).error.code == .malformed)
        let inArgument = #"{"v":1,"command":"status","x":"# + bare
        #expect(try #require(failure(inArgument)).error.code == .malformed)
        let closed = #"{"v":1,"command":"status","x":"# + String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000) + "}"
        #expect(try #require(failure(closed)).error.code == .malformed)
    }

    @Test("any bytes at all decode to a request or a refusal, never a trap")
    func anyBytesAreSafe() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...255).array(of: 0...200)) { values in
            switch ControlRequest.decode(values.map { UInt8($0) }) {
            case .success(let request): #expect(!request.command.name.isEmpty)
            case .failure(let failure): #expect(!failure.error.message.isEmpty)
            }
        }
    }

    @Test("roles come from groups; root is admin; no group is no access", arguments: [
        (UInt32(0), [String](), Role?.some(.admin)),
        (1000, ["infusion-admin"], .admin),
        (1000, ["infusion", "infusion-operator"], .operator),
        (1000, ["infusion"], .observer),
        (1000, ["users", "dialout"], nil),
    ])
    func rolesFromGroups(uid: UInt32, groups: [String], role: Role?) {
        #expect(Role.of(uid: uid, groups: Set(groups)) == role)
    }

    @Test("commands need their role: observers read, operators infuse, admins reload")
    func commandRoles() {
        #expect(ControlCommand.status.requiredRole == .observer)
        #expect(ControlCommand.history(sinceControlNanoseconds: nil, limit: 1, verify: false).requiredRole == .observer)
        #expect(ControlCommand.start.requiredRole == .operator)
        #expect(ControlCommand.bolus(dose: "0.1 mg/kg", confirmSoftLimits: false).requiredRole == .operator)
        #expect(ControlCommand.reloadLibrary.requiredRole == .admin)
        #expect(Role.admin > .operator && Role.operator > .observer)
    }

    @Test("refusals map to infusionctl's exit codes: 2 usage, 3 refused, 4 not permitted")
    func exitCodes() {
        #expect(ControlError(.badArgument, "").exitStatus == 2)
        #expect(ControlError(.refusedByLimit, "").exitStatus == 3)
        #expect(ControlError(.refusedByState, "").exitStatus == 3)
        #expect(ControlError(.notPermitted, "").exitStatus == 4)
        #expect(ControlError(.busy, "").exitStatus == 5)
        #expect(ControlError(.idleTimeout, "").exitStatus == 5)
    }
}

@Suite("Control responses")
struct ControlResponseTests {
    @Test("a refusal is one line with the code and message, and reads back the same")
    func refusalRoundTrips() throws {
        let response = ControlResponse<Done>.failure(ControlError(.refusedByLimit, "dose 3 mg/kg/h is above the hard maximum 2 mg/kg/h"), id: "9")
        let line = response.encoded()
        #expect(line.filter { $0 == 0x0A }.count == 1 && line.last == 0x0A)
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.contains(#""code":"refused_by_limit""#), "\(text)")
        let read = try ControlResponse<Done>.decode(line)
        #expect(read.ok == false && read.id == "9" && read.error == response.error)
    }
}
