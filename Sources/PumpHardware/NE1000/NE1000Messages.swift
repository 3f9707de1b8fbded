/// The pump's state as its reply prompt shows it (manual: prompt characters).
public enum NE1000Prompt: Character, Hashable, Sendable, CaseIterable {
    case infusing = "I"
    case withdrawing = "W"
    case stopped = "S"
    case paused = "P"
    case timedPause = "T"
    case waitingForTrigger = "U"
    case purging = "X"
}

/// Alarms the pump reports as `A?x`, solicited or not.
public enum NE1000Alarm: Character, Hashable, Sendable, CaseIterable {
    /// Power was interrupted; the first command after power-up gets this and is not executed.
    case reset = "R"
    case stalled = "S"
    /// Safe-mode communications timeout: the pump stopped itself.
    case safeModeTimeout = "T"
    case programError = "E"
    case phaseOutOfRange = "O"
}

/// Errors the pump answers instead of data.
public enum NE1000ErrorReply: String, Hashable, Sendable, CaseIterable {
    /// Command not recognised.
    case unrecognised = ""
    case notApplicable = "NA"
    case outOfRange = "OOR"
    /// Safe-mode packet failed its checks.
    case communication = "COM"
    case ignored = "IGN"
}

/// One reply from the pump, parsed.
public struct NE1000Reply: Hashable, Sendable {
    public enum Body: Hashable, Sendable {
        case data(String)
        case alarm(NE1000Alarm)
        case error(NE1000ErrorReply)
    }

    public var address: Int
    /// Nil for an alarm reply, whose prompt position holds `A`.
    public var prompt: NE1000Prompt?
    public var body: Body

    public init(address: Int, prompt: NE1000Prompt?, body: Body) {
        self.address = address
        self.prompt = prompt
        self.body = body
    }

    /// The reply's text between STX and ETX: `00S26.60`, `00A?R`, `00S?OOR`.
    public var text: String {
        let addressText = address < 10 ? "0\(address)" : "\(address)"
        switch body {
        case .alarm(let alarm): return addressText + "A?" + String(alarm.rawValue)
        case .data(let data): return addressText + String(prompt?.rawValue ?? "S") + data
        case .error(let error): return addressText + String(prompt?.rawValue ?? "S") + "?" + error.rawValue
        }
    }

    /// Parses reply text; every way it can be wrong is a distinct error.
    public static func parse(_ text: String) -> Result<NE1000Reply, NE1000ReplyError> {
        let characters = Array(text)
        guard characters.count >= 3 else { return .failure(.init(.tooShort, reply: text)) }
        guard characters[0].isASCII, characters[1].isASCII, let address = Int(String(characters[0...1])) else {
            return .failure(.init(.badAddress, reply: text))
        }
        if characters[2] == "A" {
            guard characters.count == 5, characters[3] == "?", let alarm = NE1000Alarm(rawValue: characters[4]) else {
                return .failure(.init(.unknownAlarm, reply: text))
            }
            return .success(NE1000Reply(address: address, prompt: nil, body: .alarm(alarm)))
        }
        guard let prompt = NE1000Prompt(rawValue: characters[2]) else {
            return .failure(.init(.unknownPrompt, reply: text))
        }
        let rest = String(characters[3...])
        if rest.hasPrefix("?") {
            guard let error = NE1000ErrorReply(rawValue: String(rest.dropFirst())) else {
                return .failure(.init(.unknownError, reply: text))
            }
            return .success(NE1000Reply(address: address, prompt: prompt, body: .error(error)))
        }
        guard rest.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return .failure(.init(.malformedData, reply: text)) }
        return .success(NE1000Reply(address: address, prompt: prompt, body: .data(rest)))
    }
}

/// Why a reply could not be understood; the driver turns each into the right alarm.
public struct NE1000ReplyError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable { case tooShort, badAddress, unknownPrompt, unknownAlarm, unknownError, malformedData }
    public let code: Code
    public let reply: String

    public init(_ code: Code, reply: String) {
        self.code = code
        self.reply = reply
    }

    public var description: String { "unintelligible NE-1000 reply \(reply.debugDescription): \(code)" }
}

/// A request as the pump reads it: `[address]COMMAND[parameters]`.
public struct NE1000Request: Hashable, Sendable {
    /// Nil when no address was given (the pump then answers as its own address).
    public var address: Int?
    /// Upper-case command letters; empty for a bare status query.
    public var command: String
    public var parameters: String

    public init(address: Int?, command: String, parameters: String) {
        self.address = address
        self.command = command
        self.parameters = parameters
    }

    /// The text to send: the address unpadded, as clients (e.g. nesp-lib) write it.
    public var text: String { (address.map(String.init) ?? "") + command + parameters }

    /// Splits request text. Nil when it does not have the request's shape at all.
    public static func parse(_ text: String) -> NE1000Request? {
        var rest = Substring(text)
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard digits.count <= 2 else { return nil }
        rest = rest.dropFirst(digits.count)
        let letters = rest.prefix { $0.isASCII && $0.isLetter }
        let command = letters.prefix(3).uppercased()
        rest = rest.dropFirst(command.count)
        return NE1000Request(address: digits.isEmpty ? nil : Int(digits), command: command, parameters: String(rest))
    }
}
