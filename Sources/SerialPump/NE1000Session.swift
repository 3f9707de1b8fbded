import InfusionCore
import PumpHardware

/// The driver's side of the NE-1000 conversation, without I/O: it decides the next request from
/// what the loop wants and what the pump last said, and classifies every reply.
///
/// One request is in flight at a time (the manual: wait for each reply). Order of business:
/// 1. handshake: `SAF n` in a safe packet (the pump accepts one in either mode); an `A?R` answer
///    (power-up) is acknowledged by that answer, so the request is sent again;
/// 2. stop when the loop wants no delivery or a fault is latched: `STP`, then `STP` again (the
///    first pauses, the second stops; if the first was lost the second still stops), each outcome
///    logged;
/// 3. start when the loop wants delivery and the pump is stopped: `DIA` if it changed, `DIS` (to
///    fold the previous run's count), `CLD INF`, `VOL` units and value (what the caps allow,
///    rounded down), `RAT`, `RUN`;
/// 4. `RAT` when the rate changes while running (same units: the pump refuses a units change);
///    a change the running units cannot carry, or a volume target that has grown (a bolus on top
///    of the basal), restarts the run: `STP`, then the start plan again with the new `VOL` and
///    `RAT` (the pump refuses both while running);
/// 5. otherwise `DIS` every poll interval, which is also the safe-mode heartbeat.
public struct NE1000Session: Sendable {
    public let settings: SerialPumpSettings

    enum Purpose: Hashable, Sendable {
        case handshake, stop, restart, diameter, fold, clear, volumeUnits, volume, rate, run, poll
    }

    struct InFlight: Sendable {
        var request: NE1000Request
        var purpose: Purpose
        var sentAt: ControlInstant
        var commandedAtRequest: Int64
    }

    /// A request to put on the wire, already framed.
    public struct Outgoing: Sendable {
        public var bytes: [UInt8]
        public var text: String
    }

    public private(set) var handshakeDone = false
    public private(set) var fault: SerialPumpFault?
    public private(set) var stalled = false
    private var faultSeenByLoop = false
    private var inFlight: InFlight?
    private var target = PumpTarget.stopped
    private var prompt: NE1000Prompt?
    private var diameterSet: Double?
    private var runningRate: (value: Double, units: NE1000RateUnits)?
    private var volumeUnitsSent: NE1000VolumeUnits?
    private var startPlan: [Purpose] = []
    /// The run is being restarted for a new volume target or rate units (order of business 4).
    private var restarting = false
    /// The rate the run was started at or last changed to, mL/h: only a rise above it (a bolus)
    /// may need a larger volume target; the basal alone never outgrows the target it started with.
    private var runStartRate = 0.0
    private var stopsThisEpisode = 0
    /// Open at start: a pump left running by an earlier host is stopped before anything else.
    private var stopEpisodeOpen = true
    private var nextPollAt = ControlInstant.origin

    // Delivery accounting, in mL.
    /// Counts of runs already folded in (each run starts from `CLD`).
    private var folded = 0.0
    private var runCount = 0.0
    private var runVolume = 0.0
    private var runUnits = NE1000VolumeUnits.millilitres
    /// Delivery since the last `DIS` may be more than it showed: set when `RUN` leaves, cleared
    /// only by a `DIS` reading taken with the pump stopped. A reply that merely shows it stopped
    /// bounds the assumption in time (``stoppedBy``) but does not count what it pushed.
    private var unsettled = false
    /// The pump was seen stopped (a prompt or an alarm) by this instant.
    private var stoppedBy: ControlInstant?
    /// This session sent `RUN` since the last `CLD`: the pump's count is ours. Until then a `DIS`
    /// reading is what an earlier host's run left, and counts as nothing here.
    private var runStarted = false
    private var confirmedAt = ControlInstant.origin
    private var fastestSinceConfirmed = 0.0
    private var lastPacketAt = ControlInstant.origin
    public private(set) var reading: UInt64 = 0
    public private(set) var readingWindow: (request: Int64, reply: Int64) = (0, 0)
    /// The last reading was taken with the pump stopped.
    public private(set) var readingStopped = false
    /// Steps the loop commanded while the pump was known to stand still and no `RUN` was on the
    /// wire: a start or a restart's round trips. The pump never makes them up, so the cross-check
    /// allows for them (SERIAL-007); measured here because only the session knows the pump's state.
    public private(set) var standstillSteps: Int64 = 0
    private var commandedSeen: Int64?

    public private(set) var events: [SerialPumpEvent] = []

    public init(settings: SerialPumpSettings) {
        self.settings = settings
    }

    /// The mode replies come in once the handshake is done.
    public var safeMode: Bool { settings.safeModeTimeoutSeconds > 0 }

    /// What the pump's own count has proved, in mL since this session began.
    public var confirmedMillilitres: Double { folded + runCount }

    /// The worst case the pump may have pushed beyond ``confirmedMillilitres``: while it may be
    /// running, the fastest rate sent since the last proof, until its safe-mode timeout would have
    /// stopped it, and never past its volume target.
    public func unconfirmedMillilitres(at now: ControlInstant) -> Double {
        guard unsettled else { return 0 }
        var horizon = min(now, stoppedBy ?? now)
        if safeMode { horizon = min(horizon, lastPacketAt + .seconds(Int64(settings.safeModeTimeoutSeconds))) }
        let hours = Double(max(.zero, horizon - confirmedAt).nanoseconds) / 3.6e12
        let bound = max(0, runVolume - runCount)
        return min(fastestSinceConfirmed * hours, bound)
    }

    /// The last digit of a `DIS` reading, in mL: what its truncation can hide.
    public var resolutionMillilitres: Double {
        runUnits.millilitres * NE1000Number.lastDigit(of: runCount / runUnits.millilitres)
    }

    public mutating func drainEvents() -> [SerialPumpEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    // MARK: - Inputs

    /// The loop's latest wish. A change of running opens a new stop episode.
    public mutating func update(_ wanted: PumpTarget) {
        if target.running, !wanted.running, !wanted.finishing { stopEpisodeOpen = true; stopsThisEpisode = 0 }
        if !wanted.running, fault != nil { faultSeenByLoop = true }
        target = wanted
    }

    /// The port came back after failing: the pump's mode and state are unknown again.
    public mutating func linkReopened(at now: ControlInstant) {
        handshakeDone = false
        inFlight = nil
        prompt = nil
        diameterSet = nil
        events.append(SerialPumpEvent(at: now, message: "port reopened; handshake again"))
    }

    /// The port failed under the driver: a fault like any other.
    public mutating func portFailed(_ detail: String, at now: ControlInstant) {
        inFlight = nil
        latch(.portFailed(detail), at: now)
    }

    // MARK: - Deciding

    /// The next request to send, or nil while one is in flight or nothing is due.
    public mutating func nextRequest(at now: ControlInstant, commanded: Int64) -> Outgoing? {
        countStandstill(commanded: commanded)
        guard inFlight == nil else { return nil }
        if !handshakeDone {
            return send("SAF", String(settings.safeModeTimeoutSeconds), .handshake, at: now, commanded: commanded, forceSafe: true)
        }
        let mustStop = (!target.running && !target.finishing) || fault != nil || stalled
        if mustStop {
            startPlan.removeAll()
            restarting = false
            if stopEpisodeOpen, stopsThisEpisode < 2 {
                stopsThisEpisode += 1
                return send("STP", "", .stop, at: now, commanded: commanded)
            }
            // Until some reply shows the pump stopped, send nothing but STP: any one it hears
            // stops it, and no other packet restarts its safe-mode clock, so that timeout bounds
            // what it can push unseen.
            if unsettled, stoppedBy == nil {
                return send("STP", "", .stop, at: now, commanded: commanded)
            }
        } else if target.finishing {
            // Nothing to command: the pump stops itself at its volume target; polls follow it.
        } else if prompt == .stopped || prompt == .paused {
            if prompt == .paused {
                return send("STP", "", .stop, at: now, commanded: commanded)
            }
            if startPlan.isEmpty, target.rate > 0, target.volumeLimit > 0, target.diameter > 0 {
                startPlan = [.fold, .clear, .volumeUnits, .volume, .rate, .run]
                if diameterSet != target.diameter { startPlan.insert(.diameter, at: 0) }
            }
            if !startPlan.isEmpty { return startStep(at: now, commanded: commanded) }
        } else if let running = runningRate, prompt == .infusing, target.rate > 0 {
            let value = NE1000Number.request(target.rate / running.units.millilitresPerHour)
            if !restarting, value == nil || (target.rate > runStartRate + 1e-9 && volumeTargetShort) {
                // The pump refuses VOL and a change of rate units while running: stop, and start
                // again with the new target (a bolus on top of the basal: issue 14, finding 3).
                restarting = true
                events.append(
                    SerialPumpEvent(
                        at: now, message: "restarting the run for \(target.rate) mL/h and a volume target of \(target.volumeLimit) mL"))
                return send("STP", "", .restart, at: now, commanded: commanded)
            }
            // Compared as written: a rate four digits cannot carry exactly is sent once, not at
            // every turn (it once would have been, since the pump's value never equals it).
            if let value, let written = NE1000Number.parse(Substring(value)), written != running.value {
                runningRate = (written, running.units)
                runStartRate = target.rate
                fastestSinceConfirmed = max(fastestSinceConfirmed, target.rate)
                return send("RAT", value + running.units.rawValue, .rate, at: now, commanded: commanded)
            }
        }
        if now >= nextPollAt {
            nextPollAt = now + settings.pollInterval
            return send("DIS", "", .poll, at: now, commanded: commanded)
        }
        return nil
    }

    /// Adds what the loop commanded since the last call if the pump stood still meanwhile: it has
    /// not answered a `RUN` of this run (stopped, paused, or not yet heard from) and no `RUN` is
    /// in flight, whose outcome the latency allowance covers instead.
    private mutating func countStandstill(commanded: Int64) {
        defer { commandedSeen = commanded }
        guard let seen = commandedSeen, commanded > seen else { return }
        if prompt != .infusing, inFlight?.purpose != .run {
            standstillSteps &+= commanded &- seen
        }
    }

    /// The loop wants the pump to deliver more than the volume target it was given still allows,
    /// by more than the target's last digit and a reading's: a bolus began on top of the basal.
    private var volumeTargetShort: Bool {
        let pumpRemaining = runVolume - runCount
        let quantum = runUnits.millilitres * NE1000Number.lastDigit(of: runVolume / runUnits.millilitres)
        return target.volumeLimit > pumpRemaining + 2 * quantum + resolutionMillilitres
    }

    private mutating func startStep(at now: ControlInstant, commanded: Int64) -> Outgoing? {
        let step = startPlan[0]
        switch step {
        case .diameter:
            guard let value = NE1000Number.request(target.diameter) else { return abandonStart("diameter \(target.diameter) mm", at: now) }
            return send("DIA", value, .diameter, at: now, commanded: commanded)
        case .fold: return send("DIS", "", .fold, at: now, commanded: commanded)
        case .clear: return send("CLD", "INF", .clear, at: now, commanded: commanded)
        case .volumeUnits:
            let units: NE1000VolumeUnits = target.volumeLimit < 10 ? .microlitres : .millilitres
            volumeUnitsSent = units
            return send("VOL", units.rawValue, .volumeUnits, at: now, commanded: commanded)
        case .volume:
            let units = volumeUnitsSent ?? .millilitres
            // Rounded down: the pump must stop at or before what the caps allow.
            guard let value = NE1000Number.request(min(target.volumeLimit / units.millilitres, NE1000Number.maximum)) else {
                return abandonStart("volume \(target.volumeLimit) mL", at: now)
            }
            runVolume = (NE1000Number.parse(Substring(value)) ?? 0) * units.millilitres
            runUnits = units
            return send("VOL", value, .volume, at: now, commanded: commanded)
        case .rate:
            let units = NE1000RateUnits.best(for: target.rate)
            guard let value = NE1000Number.request(target.rate / units.millilitresPerHour) else {
                return abandonStart("rate \(target.rate) mL/h", at: now)
            }
            runningRate = (NE1000Number.parse(Substring(value)) ?? 0, units)
            return send("RAT", value + units.rawValue, .rate, at: now, commanded: commanded)
        case .run:
            restarting = false
            runStartRate = target.rate
            unsettled = true
            // Ours from the moment it is sent: a RUN whose reply is lost may still have started.
            runStarted = true
            stoppedBy = nil
            fastestSinceConfirmed = max(fastestSinceConfirmed, target.rate)
            return send("RUN", "", .run, at: now, commanded: commanded)
        default:
            startPlan.removeFirst()
            return nil
        }
    }

    /// Ticks off the start step a reply answered. The plan may have been dropped while the reply
    /// was on the wire (a fault clears it), and then there is nothing to tick off: found by the
    /// NE-1000 reply fuzzer, where an unconditional removal trapped.
    private mutating func completeStartStep(_ purpose: Purpose) {
        if startPlan.first == purpose { startPlan.removeFirst() }
    }

    private mutating func abandonStart(_ what: String, at now: ControlInstant) -> Outgoing? {
        startPlan.removeAll()
        latch(.refused(command: "start", error: "\(what) cannot be written in four digits"), at: now)
        return nil
    }

    private mutating func send(
        _ command: String, _ parameters: String, _ purpose: Purpose, at now: ControlInstant, commanded: Int64,
        forceSafe: Bool = false
    ) -> Outgoing {
        let request = NE1000Request(address: settings.address, command: command, parameters: parameters)
        inFlight = InFlight(request: request, purpose: purpose, sentAt: now, commandedAtRequest: commanded)
        // The pump may hear a packet whose answer is lost: any but STP restarts its safe-mode clock.
        if purpose != .stop { lastPacketAt = now }
        let text = request.text
        let bytes = forceSafe || (safeMode && handshakeDone) ? NE1000Framing.safe(text) ?? [] : NE1000Framing.basic(text)
        return Outgoing(bytes: bytes, text: text)
    }

    // MARK: - Replies

    /// The decoder's framing for the next reply.
    public var replyMode: NE1000ReplyDecoder.Mode {
        handshakeDone ? (safeMode ? .safe : .basic) : .either
    }

    /// Takes whatever the decoder produced, at `now`, with the loop's commanded count then.
    public mutating func receive(_ incoming: NE1000IncomingReply, at now: ControlInstant, commanded: Int64) {
        let text: String
        switch incoming {
        case .reply(let reply): text = reply
        case .garbage(let count): return latch(.malformedReply("\(count) stray bytes on the line"), at: now)
        case .corruptSafePacket: return latch(.malformedReply("safe packet failed its CRC or framing"), at: now)
        case .overlong: return latch(.malformedReply("reply longer than any NE-1000 reply"), at: now)
        }
        let reply: NE1000Reply
        switch NE1000Reply.parse(text) {
        case .success(let parsed): reply = parsed
        case .failure(let error): return latch(.malformedReply(error.description), at: now)
        }
        guard reply.address == settings.address else {
            return latch(.malformedReply("reply from address \(reply.address)"), at: now)
        }
        guard let flight = inFlight else {
            // Safe mode sends alarms unasked; anything else unasked is noise.
            if case .alarm(let alarm) = reply.body { return pumpAlarm(alarm, at: now) }
            return latch(.malformedReply("unasked reply \(text.debugDescription)"), at: now)
        }
        inFlight = nil
        let command = flight.request.text
        switch reply.body {
        case .alarm(let alarm):
            if flight.purpose == .handshake {
                // A?R after power-up, or an alarm left from an earlier host (A?T when it died):
                // the answer acknowledges it; nothing of this session was running.
                events.append(SerialPumpEvent(at: now, message: "pump answered A?\(alarm.rawValue) to the handshake; acknowledged, handshake repeated"))
                return
            }
            return pumpAlarm(alarm, at: now)
        case .error(let error):
            return latch(.refused(command: command, error: error.rawValue), at: now)
        case .data(let data):
            guard let prompt = reply.prompt, [.infusing, .stopped, .paused].contains(prompt) else {
                return latch(.unexpectedPrompt(command: command, prompt: String(reply.prompt?.rawValue ?? "A")), at: now)
            }
            accept(prompt, data: data, for: flight, at: now, commanded: commanded)
        }
    }

    private mutating func accept(_ newPrompt: NE1000Prompt, data: String, for flight: InFlight, at now: ControlInstant, commanded: Int64) {
        let command = flight.request.text
        let wasRunning = prompt == .infusing
        prompt = newPrompt
        if newPrompt != .infusing, stoppedBy == nil { stoppedBy = now }
        switch flight.purpose {
        case .handshake:
            handshakeDone = true
            events.append(SerialPumpEvent(at: now, message: "pump answered; safe mode \(settings.safeModeTimeoutSeconds) s"))
        case .restart:
            events.append(SerialPumpEvent(at: now, message: "STP for the restart answered: pump \(newPrompt == .paused ? "paused" : newPrompt == .stopped ? "stopped" : "still infusing")"))
            if newPrompt == .stopped { runningRate = nil }
        case .stop:
            stopEpisodeOpen = stopsThisEpisode < 2
            events.append(SerialPumpEvent(at: now, message: "STP \(stopsThisEpisode) of 2 answered: pump \(newPrompt == .stopped ? "stopped" : newPrompt == .paused ? "paused" : "still infusing")"))
            if newPrompt == .stopped { runningRate = nil }
        case .diameter:
            diameterSet = target.diameter
            completeStartStep(.diameter)
        case .fold, .poll:
            guard let count = Self.parseDispensed(data) else {
                return latch(.malformedReply("DIS answered \(data.debugDescription)"), at: now)
            }
            if flight.purpose == .fold {
                // Only a run this session started counts; what an earlier host left is not ours.
                if runStarted { folded += count }
                runStarted = false
                runCount = 0
                completeStartStep(.fold)
            } else {
                // Before this session's own RUN the count is an earlier host's (a daemon that
                // died, the pump stopped by its safe-mode timeout): that host's ledger holds it.
                runCount = runStarted ? count : 0
            }
            confirmedAt = flight.sentAt
            if newPrompt != .infusing {
                unsettled = false
                stoppedBy = nil
            }
            fastestSinceConfirmed = newPrompt == .infusing ? (runningRate.map { $0.value * $0.units.millilitresPerHour } ?? 0) : 0
            reading &+= 1
            readingWindow = (flight.commandedAtRequest, commanded)
            readingStopped = newPrompt != .infusing
            // A pump that stopped by itself short of its target, or runs when told to stop, is
            // not doing what it was told.
            if flight.purpose == .poll, wasRunning, newPrompt == .stopped, runVolume - runCount > resolutionMillilitres, target.running {
                return latch(.unexpectedPrompt(command: command, prompt: "S"), at: now)
            }
            if flight.purpose == .poll, newPrompt == .infusing, !target.running, !stopEpisodeOpen {
                // Finishing, the pump runs on to its target, and no further.
                if !target.finishing || runCount > runVolume + resolutionMillilitres {
                    return latch(.unexpectedPrompt(command: command, prompt: "I"), at: now)
                }
            }
        case .clear, .volumeUnits, .volume, .rate:
            completeStartStep(flight.purpose)
        case .run:
            startPlan.removeAll()
            runStarted = true
            guard newPrompt == .infusing else { return latch(.unexpectedPrompt(command: command, prompt: String(newPrompt.rawValue)), at: now) }
            nextPollAt = now + settings.pollInterval
        }
        if let cleared = fault, faultSeenByLoop, !target.running {
            events.append(SerialPumpEvent(at: now, message: "link answering again after: \(cleared)"))
            fault = nil
            stalled = false
            faultSeenByLoop = false
        }
    }

    /// `I<float>W<float><UL|ML>` → mL infused.
    static func parseDispensed(_ data: String) -> Double? {
        guard data.hasPrefix("I"), let w = data.firstIndex(of: "W"), data.count > 3 else { return nil }
        let unitsText = String(data.suffix(2))
        guard let units = NE1000VolumeUnits(rawValue: unitsText) else { return nil }
        let infusedText = data[data.index(after: data.startIndex)..<w]
        let withdrawnText = data[data.index(after: w)..<data.index(data.endIndex, offsetBy: -2)]
        guard let infused = NE1000Number.parse(infusedText), NE1000Number.parse(withdrawnText) != nil else { return nil }
        return infused * units.millilitres
    }

    private mutating func pumpAlarm(_ alarm: NE1000Alarm, at now: ControlInstant) {
        prompt = .stopped
        if stoppedBy == nil { stoppedBy = now }
        runningRate = nil
        if alarm == .stalled { stalled = true }
        latch(.pumpAlarm(alarm), at: now)
    }

    /// Checks the request in flight against the reply timeout.
    public mutating func checkTimeout(at now: ControlInstant) {
        guard let flight = inFlight, now - flight.sentAt > settings.replyTimeout else { return }
        inFlight = nil
        // The outcome of the command is unknown: assume the worst (it may have started the pump).
        if flight.purpose == .run { unsettled = true }
        latch(.noReply(command: flight.request.text), at: now)
    }

    private mutating func latch(_ newFault: SerialPumpFault, at now: ControlInstant) {
        // Logged once per fault: a dead line retried every reply timeout must not flood the log.
        if fault != newFault {
            events.append(SerialPumpEvent(at: now, message: "fault: \(newFault); stopping the pump (STP, then STP again)"))
        }
        if fault == nil { fault = newFault }
        faultSeenByLoop = false
        startPlan.removeAll()
        restarting = false
        stopEpisodeOpen = true
        stopsThisEpisode = 0
        if events.count > 256 { events.removeFirst(events.count - 256) }
    }
}

