import InfusionCore
import PumpHardware

/// Every way the serial path can fail, each mapped to the alarm it raises.
public enum SerialPumpFault: Hashable, Sendable, CustomStringConvertible {
    /// No reply within the reply timeout.
    case noReply(command: String)
    /// Bytes that are no reply: bad CRC, bad framing, unparsable text, or noise on the line.
    case malformedReply(String)
    /// A reply whose prompt contradicts what the pump was told (running when stopped, or worse).
    case unexpectedPrompt(command: String, prompt: String)
    /// The pump answered an error to a command the driver needed.
    case refused(command: String, error: String)
    /// The pump raised an alarm: `A?S` stall, `A?T` comms timeout, `A?R` it was reset.
    case pumpAlarm(NE1000Alarm)
    /// The port could not be opened, read or written (it vanished).
    case portFailed(String)

    /// The controller alarm: a stall is the motor's; everything else means the loop no longer
    /// knows or controls what the pump does, which is link loss.
    public var alarm: AlarmID {
        if case .pumpAlarm(.stalled) = self { return .motorStall }
        return .pumpLinkLost
    }

    public var description: String {
        switch self {
        case .noReply(let command): "no reply to \(command)"
        case .malformedReply(let detail): "malformed reply: \(detail)"
        case .unexpectedPrompt(let command, let prompt): "unexpected prompt \(prompt) after \(command)"
        case .refused(let command, let error): "pump refused \(command): ?\(error)"
        case .pumpAlarm(let alarm): "pump alarm A?\(alarm.rawValue)"
        case .portFailed(let detail): "port failed: \(detail)"
        }
    }
}

/// What the driver did that a technician reading the log needs: faults, stops and their outcome.
public struct SerialPumpEvent: Hashable, Sendable, CustomStringConvertible {
    public var at: ControlInstant
    public var message: String
    public var description: String { "[\(at)] \(message)" }
}
