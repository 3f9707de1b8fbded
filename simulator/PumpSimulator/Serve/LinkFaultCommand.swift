/// One line on `pumpsim serve`'s control channel: a fault to inject or a question.
///
/// The faults are those a serial pump shows in the field. Some act on the pump's physics
/// (occlusion, stall, running empty: the emulated NE-1000 then stalls and alarms as the real one
/// would); the rest act on the line (silence, garbage, bad CRCs, delay, disconnect).
public enum LinkFaultCommand: Hashable, Sendable {
    /// The line downstream is blocked (on) or cleared (off).
    case occlusion(Bool)
    /// The lead screw jams (on) or frees (off).
    case stall(Bool)
    /// Leaves only this much fluid in the barrel, so the syringe runs empty soon.
    case empty(millilitres: Double)
    /// The pump stops answering (on) or answers again (off); it still hears and acts.
    case silence(Bool)
    /// Sends this many random bytes down the line now, unasked.
    case garbage(count: Int)
    /// Sends the next this-many safe-mode replies with their CRC wrong, as line noise would leave
    /// them. Basic-mode replies carry no CRC and go out unchanged.
    case badCRC(count: Int)
    /// Holds every reply back by this many milliseconds (0 to stop).
    case delay(milliseconds: Int)
    /// Pulls the cable: the port disappears until `reconnect`.
    case disconnect
    case reconnect
    /// Answers one JSON line with the pump's true state.
    case status

    /// Parses one control line; the error says what is wrong and what is accepted.
    public static func parse(_ line: String) -> Result<LinkFaultCommand, LinkFaultCommandError> {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let verb = words.first else { return .failure(.init("empty command")) }
        let argument = words.count > 1 ? words[1] : nil
        guard words.count <= 2 else { return .failure(.init("\(verb): one argument at most")) }

        func onOff() -> Result<Bool, LinkFaultCommandError> {
            switch argument {
            case "on": .success(true)
            case "off": .success(false)
            default: .failure(.init("\(verb): expected on or off"))
            }
        }
        func count(_ range: ClosedRange<Int>, _ what: String) -> Result<Int, LinkFaultCommandError> {
            guard let argument, let value = Int(argument), range.contains(value) else {
                return .failure(.init("\(verb): expected \(what), \(range.lowerBound)…\(range.upperBound)"))
            }
            return .success(value)
        }

        switch verb {
        case "occlusion": return onOff().map(LinkFaultCommand.occlusion)
        case "stall": return onOff().map(LinkFaultCommand.stall)
        case "silence": return onOff().map(LinkFaultCommand.silence)
        case "garbage": return count(1...4_096, "a byte count").map { .garbage(count: $0) }
        case "delay": return count(0...60_000, "milliseconds").map { .delay(milliseconds: $0) }
        case "crc": return count(1...1_000, "a reply count").map { .badCRC(count: $0) }
        case "empty":
            guard let argument else { return .success(.empty(millilitres: 0.05)) }
            guard let value = Double(argument), value >= 0, value <= 100 else {
                return .failure(.init("empty: expected the mL to leave in the barrel, 0…100"))
            }
            return .success(.empty(millilitres: value))
        case "disconnect", "reconnect", "status":
            guard argument == nil else { return .failure(.init("\(verb): takes no argument")) }
            return .success(verb == "disconnect" ? .disconnect : verb == "reconnect" ? .reconnect : .status)
        default:
            return .failure(
                .init("unknown command \(verb.debugDescription); expected occlusion, stall, empty, silence, garbage, crc, delay, disconnect, reconnect or status"))
        }
    }
}

public struct LinkFaultCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
