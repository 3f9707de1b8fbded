import InfusionCore
import PumpHardware

/// An NE-1000 syringe pump, emulated to the manual's letter over the simulated drive train.
///
/// Pure and clock-free like the rest of the simulator: bytes come in with the instant they
/// arrived, time moves only through ``advance(to:)``, and every reply is returned as bytes. The
/// pty server (`pumpsim serve`) and the virtual-time tests drive the same value.
///
/// Behaviour the manual fixes, and this keeps:
/// - basic requests `[address]COMMAND[parameters]\r`, stripped of spaces and control characters
///   and upper-cased; replies STX, address, prompt, data, ETX;
/// - safe-mode packets (CRC-16 XMODEM) accepted in either mode; after `SAF n` (n > 0) replies are
///   safe-framed, and no valid packet for n seconds stops the pump with alarm `A?T`, which is sent
///   unasked;
/// - an alarm (`A?R` after power-up, `A?S` stall, `A?T`) answers the next valid command instead of
///   executing it, and that answer acknowledges it;
/// - `STP` pauses, a second `STP` stops; `RAT` may change while pumping but not its units; `DIR`
///   only while stopped or with a volume target of 0;
/// - volume units µL at or below 14.00 mm diameter, mL above; numbers at most four digits.
///
/// Where the manual was not at hand the choice is written down in docs/simulator.md: a request
/// without an address is for address 0; the rate range derives from the simulated drive (at most
/// its rated steps per second, at least one step every 100 s); a volume target counts from the
/// `RUN` that started the pump from stopped (a new `VOL` ends a paused dispense; `CLD` re-bases it).
public struct NE1000Emulator: Sendable {
    public static let firmwareVersion = "NE1000V3.928"
    /// The slowest plunger the emulated drive runs: one step every 100 s.
    static let minimumStepsPerSecond = 0.01

    public private(set) var address: Int
    public private(set) var diameter: Double
    public private(set) var rate: Double = 0
    public private(set) var rateUnits = NE1000RateUnits.millilitresPerHour
    public private(set) var volumeTarget: Double = 0
    public private(set) var volumeUnits: NE1000VolumeUnits
    public private(set) var direction = NE1000Direction.infuse
    public private(set) var prompt = NE1000Prompt.stopped
    /// The alarm waiting to answer the next command (power-up starts with `A?R`).
    public private(set) var pendingAlarm: NE1000Alarm? = .reset
    /// Safe-mode communications timeout in seconds; 0 is basic mode.
    public private(set) var safeModeTimeout = 0
    public private(set) var buzzer = false
    public private(set) var baud = 19_200
    /// What the pump has noticed, for the control channel and tests: each alarm it raised.
    public private(set) var alarmLog: [(NE1000Alarm, ControlInstant)] = []

    var drive: NE1000Drive
    private var runStartDispensed = 0.0
    private var lastValidPacket: ControlInstant
    private var now: ControlInstant

    public init(address: Int = 0, pump: SimulatedPump, diameter: Double, startingAt start: ControlInstant = .origin) {
        self.address = address
        self.diameter = diameter
        volumeUnits = NE1000VolumeUnits.forDiameter(diameter)
        drive = NE1000Drive(pump: pump, startingAt: start)
        lastValidPacket = start
        now = start
    }

    /// The physical pump behind the protocol (line pressure, what reached the patient, faults).
    public var pump: SimulatedPump {
        get { drive.pump }
        set { drive.pump = newValue }
    }

    public var isPumping: Bool { prompt == .infusing || prompt == .withdrawing || prompt == .purging }
    public func dispensed(_ direction: NE1000Direction) -> Millilitres { Millilitres(drive.dispensed(direction)) }
    /// Infused since switch-on, across every `CLD`.
    public var infusedSinceStart: Millilitres { Millilitres(drive.infusedSinceStart) }

    // MARK: - Time

    /// Runs the pump to `instant`. Returns an unsolicited alarm packet when one is due (safe mode
    /// sends alarms unasked; basic mode only answers).
    public mutating func advance(to instant: ControlInstant) -> [UInt8]? {
        guard instant > now else { return nil }
        var unsolicited: NE1000Alarm?
        // The timeout raises its alarm once; it waits for a command to acknowledge it.
        if safeModeTimeout > 0, pendingAlarm == nil, instant - lastValidPacket >= .seconds(Int64(safeModeTimeout)) {
            let expiry = lastValidPacket + .seconds(Int64(safeModeTimeout))
            runDrive(to: expiry)
            lastValidPacket = expiry
            stopPumping(at: expiry)
            raise(.safeModeTimeout, at: expiry)
            unsolicited = .safeModeTimeout
        }
        if let outcome = runDrive(to: instant), outcome == .stalled { unsolicited = .stalled }
        now = instant
        guard let unsolicited, safeModeTimeout > 0 else { return nil }
        return frame(NE1000Reply(address: address, prompt: nil, body: .alarm(unsolicited)).text)
    }

    @discardableResult
    private mutating func runDrive(to instant: ControlInstant) -> NE1000Drive.Outcome? {
        guard isPumping else {
            _ = drive.advance(to: instant)
            return nil
        }
        switch drive.advance(to: instant) {
        case .running: return .running
        case .reachedTarget:
            prompt = .stopped
            return .reachedTarget
        case .stalled:
            stopPumping(at: instant)
            raise(.stalled, at: instant)
            return .stalled
        }
    }

    private mutating func raise(_ alarm: NE1000Alarm, at instant: ControlInstant) {
        pendingAlarm = alarm
        alarmLog.append((alarm, instant))
    }

    // MARK: - Requests

    /// Answers one decoded request; nil when the pump stays silent (another address, noise).
    public mutating func receive(_ incoming: NE1000IncomingRequest, at instant: ControlInstant) -> [UInt8]? {
        _ = advance(to: instant)
        let text: String
        switch incoming {
        case .overlong: return nil
        case .corruptSafePacket:
            return frame(NE1000Reply(address: address, prompt: prompt, body: .error(.communication)).text)
        case .basic(let line):
            // In safe mode only a valid packet is a command; a bare line is an invalid packet.
            guard safeModeTimeout == 0 else {
                return frame(NE1000Reply(address: address, prompt: prompt, body: .error(.communication)).text)
            }
            text = line
        case .safe(let data):
            text = data
        }
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F }))
            .uppercased()
        guard let request = NE1000Request.parse(cleaned) else { return nil }
        guard (request.address ?? 0) == address else { return nil }
        lastValidPacket = instant
        if let alarm = pendingAlarm {
            pendingAlarm = nil
            // The communications mode is the link layer's, not a pump setting: `SAF n` answered by
            // an alarm still switches framing, so the alarm comes back in the mode the host asked
            // for (what nesp-lib expects of its first, alarm-acknowledging `SAF`).
            if request.command == "SAF", !request.parameters.isEmpty {
                _ = setSafeMode(Substring(request.parameters), at: instant)
            }
            return frame(NE1000Reply(address: address, prompt: nil, body: .alarm(alarm)).text)
        }
        let body = execute(request, at: instant)
        return frame(NE1000Reply(address: address, prompt: prompt, body: body).text)
    }

    private func frame(_ text: String) -> [UInt8] {
        safeModeTimeout > 0 ? (NE1000Framing.safe(text) ?? []) : NE1000Framing.basicReply(text)
    }

    private mutating func execute(_ request: NE1000Request, at instant: ControlInstant) -> NE1000Reply.Body {
        let parameters = Substring(request.parameters)
        switch request.command {
        case "": return .data("")
        case "DIA": return setDiameter(parameters)
        case "RAT": return setRate(parameters, at: instant)
        case "VOL": return setVolume(parameters)
        case "DIR": return setDirection(parameters)
        case "RUN": return run(at: instant)
        case "PUR": return purge(at: instant)
        case "STP":
            guard parameters.isEmpty else { return .error(.unrecognised) }
            if isPumping {
                drive.stop(at: instant)
                prompt = prompt == .purging ? .stopped : .paused
            } else {
                prompt = .stopped
            }
            return .data("")
        case "DIS":
            let units = volumeUnits.millilitres
            guard let infused = NE1000Number.reply(drive.dispensed(.infuse) / units),
                let withdrawn = NE1000Number.reply(drive.dispensed(.withdraw) / units)
            else { return .error(.outOfRange) }
            return .data("I\(infused)W\(withdrawn)\(volumeUnits.rawValue)")
        case "CLD":
            guard let which = NE1000Direction(rawValue: String(parameters)) else { return .error(.unrecognised) }
            guard !isPumping else { return .error(.notApplicable) }
            drive.clear(which)
            if which == direction { runStartDispensed = 0 }
            return .data("")
        case "VER": return parameters.isEmpty ? .data(Self.firmwareVersion) : .error(.unrecognised)
        case "SAF": return setSafeMode(parameters, at: instant)
        case "ADR": return setAddress(parameters)
        case "BUZ":
            if parameters.isEmpty { return .data(buzzer ? "1" : "0") }
            guard let first = parameters.first, first == "0" || first == "1" else { return .error(.outOfRange) }
            guard parameters.dropFirst().isEmpty || Int(parameters.dropFirst()).map({ (1...99).contains($0) }) == true else {
                return .error(.outOfRange)
            }
            buzzer = first == "1"
            return .data("")
        default: return .error(.unrecognised)
        }
    }

    private mutating func setDiameter(_ parameters: Substring) -> NE1000Reply.Body {
        guard !parameters.isEmpty else { return .data(NE1000Number.reply(diameter) ?? "") }
        guard let value = NE1000Number.parse(parameters) else { return .error(.unrecognised) }
        guard !isPumping else { return .error(.notApplicable) }
        guard (0.1...50.0).contains(value) else { return .error(.outOfRange) }
        diameter = value
        volumeUnits = NE1000VolumeUnits.forDiameter(value)
        return .data("")
    }

    /// The range the drive can run with the current diameter, in mL/h.
    private var rateRange: ClosedRange<Double> {
        let millilitresPerStep = 1 / drive.pump.mechanics.stepsPerMillilitre(forDiameter: diameter)
        return (Self.minimumStepsPerSecond * millilitresPerStep * 3_600)...(Double(drive.pump.mechanics.maximumStepsPerSecond) * millilitresPerStep * 3_600)
    }

    private mutating func setRate(_ parameters: Substring, at instant: ControlInstant) -> NE1000Reply.Body {
        guard !parameters.isEmpty else {
            return .data((NE1000Number.reply(rate) ?? "") + rateUnits.rawValue)
        }
        let unitsText = parameters.suffix(2)
        let units = NE1000RateUnits(rawValue: String(unitsText))
        let numberText = units == nil ? parameters : parameters.dropLast(2)
        guard let value = NE1000Number.parse(numberText) else { return .error(.unrecognised) }
        let newUnits = units ?? rateUnits
        if isPumping, newUnits != rateUnits { return .error(.notApplicable) }
        let millilitresPerHour = value * newUnits.millilitresPerHour
        guard rateRange.contains(millilitresPerHour) else { return .error(.outOfRange) }
        rate = value
        rateUnits = newUnits
        if isPumping, prompt != .purging { drive.changeRate(millilitresPerHour: millilitresPerHour, at: instant) }
        return .data("")
    }

    private mutating func setVolume(_ parameters: Substring) -> NE1000Reply.Body {
        guard !parameters.isEmpty else {
            return .data((NE1000Number.reply(volumeTarget) ?? "") + volumeUnits.rawValue)
        }
        if let units = NE1000VolumeUnits(rawValue: String(parameters)) {
            guard !isPumping else { return .error(.notApplicable) }
            volumeUnits = units
            return .data("")
        }
        guard let value = NE1000Number.parse(parameters) else { return .error(.unrecognised) }
        guard !isPumping else { return .error(.notApplicable) }
        volumeTarget = value
        // A new target ends a paused dispense: the next RUN starts counting afresh.
        if prompt == .paused { prompt = .stopped }
        return .data("")
    }

    private mutating func setDirection(_ parameters: Substring) -> NE1000Reply.Body {
        guard !parameters.isEmpty else { return .data(direction.rawValue) }
        let next: NE1000Direction
        switch parameters {
        case "INF": next = .infuse
        case "WDR": next = .withdraw
        case "REV": next = direction == .infuse ? .withdraw : .infuse
        case "STK":
            // Sticky direction follows the direction input pin, which reads low (infuse) here.
            guard !isPumping else { return .error(.notApplicable) }
            next = .infuse
        default: return .error(.unrecognised)
        }
        if isPumping {
            guard volumeTarget == 0 else { return .error(.notApplicable) }
            startDrive(direction: next, at: now)
        }
        direction = next
        return .data("")
    }

    private mutating func run(at instant: ControlInstant) -> NE1000Reply.Body {
        guard !isPumping else { return .data("") }
        let millilitresPerHour = rate * rateUnits.millilitresPerHour
        guard rateRange.contains(millilitresPerHour) else { return .error(.outOfRange) }
        if prompt == .stopped { runStartDispensed = drive.dispensed(direction) }
        startDrive(direction: direction, at: instant)
        return .data("")
    }

    private mutating func startDrive(direction: NE1000Direction, at instant: ControlInstant) {
        let millilitresPerHour = rate * rateUnits.millilitresPerHour
        var steps = Int64.max / 2
        if volumeTarget > 0 {
            let remaining = volumeTarget * volumeUnits.millilitres - (drive.dispensed(direction) - runStartDispensed)
            steps = max(0, Int64(saturating: remaining * drive.pump.mechanics.stepsPerMillilitre(forDiameter: diameter)))
        }
        drive.start(millilitresPerHour: millilitresPerHour, direction: direction, diameter: diameter, steps: steps, at: instant)
        prompt = direction == .infuse ? .infusing : .withdrawing
    }

    private mutating func purge(at instant: ControlInstant) -> NE1000Reply.Body {
        guard !isPumping else { return .error(.notApplicable) }
        drive.start(
            millilitresPerHour: rateRange.upperBound, direction: direction, diameter: diameter, steps: Int64.max / 2, at: instant)
        prompt = .purging
        return .data("")
    }

    private mutating func setSafeMode(_ parameters: Substring, at instant: ControlInstant) -> NE1000Reply.Body {
        guard !parameters.isEmpty else { return .data(String(safeModeTimeout)) }
        guard parameters.count <= 3, let value = Int(parameters), (0...255).contains(value) else { return .error(.outOfRange) }
        safeModeTimeout = value
        lastValidPacket = instant
        return .data("")
    }

    /// `ADR n` sets the address, `ADR n B19200` also the baud rate; the query answers the address.
    private mutating func setAddress(_ parameters: Substring) -> NE1000Reply.Body {
        guard !parameters.isEmpty else { return .data(String(address)) }
        let parts = parameters.split(separator: "B", maxSplits: 1, omittingEmptySubsequences: false)
        guard let value = Int(parts[0]), (0...99).contains(value), parts[0].count <= 2 else { return .error(.outOfRange) }
        if parts.count == 2 {
            guard let rate = Int(parts[1]), [300, 1_200, 2_400, 9_600, 19_200].contains(rate) else { return .error(.outOfRange) }
            baud = rate
        }
        address = value
        return .data("")
    }

    private mutating func stopPumping(at instant: ControlInstant) {
        drive.stop(at: instant)
        prompt = .stopped
    }
}

