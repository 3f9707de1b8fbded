import ControlProtocol
import Foundation
import InfusionCore
import Journal
import Synchronization

/// Carries out one decoded request for one client: the role check, the work (through the loop's
/// mailbox or the journal), the event-log record of who asked what and what came of it
/// (DESIGN.md rule 8), and the response line.
public final class RequestDispatcher: Sendable {
    let post: @Sendable (LoopRequest) -> LoopReply?
    /// Status is read from the loop's board on this thread, never asked of the loop.
    let statusBoard: LoopStatusBoard
    let journal: Journal
    let writer: JournalWriter
    let syringes: SyringeTable
    let libraryPath: String
    let library: Mutex<DrugLibrary>
    /// The daemon's own uid: a peer running as it is trusted as admin (it owns the journal
    /// already). This is what lets the demonstration run with no root and no groups.
    let ownUID: UInt32
    /// Requests counted per peer uid, not per connection (issue 15): reconnecting does not reset them.
    let tallies = Mutex<[UInt32: RepeatTally]>([:])
    let changeLimiters = Mutex<[UInt32: RequestRateLimiter]>([:])

    public init(
        post: @escaping @Sendable (LoopRequest) -> LoopReply?, statusBoard: LoopStatusBoard, journal: Journal, writer: JournalWriter,
        syringes: SyringeTable, library: DrugLibrary, libraryPath: String, ownUID: UInt32
    ) {
        self.post = post
        self.statusBoard = statusBoard
        self.journal = journal
        self.writer = writer
        self.syringes = syringes
        self.library = Mutex(library)
        self.libraryPath = libraryPath
        self.ownUID = ownUID
    }

    /// What came of a request: the response line, and whether the client now watches.
    public struct Answer: Sendable {
        public var line: Data
        public var watching: Bool
    }

    public func role(of peer: PeerCredentials) -> Role? {
        peer.uid == ownUID ? .admin : peer.role
    }

    /// Answers one decoded request and records it (DESIGN.md rule 8).
    ///
    /// A command that changes anything is recorded as requested before it is carried out, and
    /// is not carried out when that record cannot be written (issue 15): the log never misses a
    /// change that happened. Its success is recorded after. Read-only requests and refusals of
    /// every kind are counted per peer uid (``RepeatTally``): the first of each kind written at
    /// once, the rest as one record a minute, so neither many connections nor reconnecting can
    /// turn a flood into fsyncs or push the record that matters out of the log. A uid may change
    /// things at most ``changesPerSecond`` times a second; more is refused as rate limited —
    /// except `pause` and `stop` (``ControlCommand/onlyStopsDelivery``), which are always obeyed.
    func answer(_ request: ControlRequest, from peer: PeerCredentials, at now: ControlInstant) -> Answer {
        let role = role(of: peer)
        let command = request.command
        var result: Result<any Codable & Sendable, ControlError>
        var note: String?
        var changes = command.requiredRole > .observer
        if let role, role >= command.requiredRole {
            let withinRate = !changes || changeLimiters.withLock {
                $0[peer.uid, default: RequestRateLimiter(perSecond: Self.changesPerSecond, at: now)].admit(at: now)
            }
            if !withinRate, command.onlyStopsDelivery {
                // Obeyed, and counted below like a read-only request: a flood of stops cannot
                // flood the log.
                result = perform(command, note: &note)
                changes = false
            } else if !withinRate {
                result = .failure(ControlError(.rateLimited, "more than \(Self.changesPerSecond) changing commands a second from uid \(peer.uid); slow down"))
            } else if changes {
                do {
                    try writer.recordCommand(uid: peer.uid, pid: peer.pid, role: role.rawValue, command: describe(command), outcome: "requested")
                    result = perform(command, note: &note)
                } catch where command.onlyStopsDelivery {
                    result = perform(command, note: &note)
                    note = "not recorded first: \(error)"
                } catch {
                    result = .failure(ControlError(.journalFailure, "not done: the request could not be recorded first (\(error))"))
                }
            } else {
                result = perform(command, note: &note)
            }
        } else {
            let who = role.map { "uid \(peer.uid) is \($0.rawValue)" } ?? "uid \(peer.uid) is in none of the groups \(Role.observerGroup), \(Role.operatorGroup), \(Role.adminGroup)"
            result = .failure(ControlError(.notPermitted, "\(command.name) needs the \(command.requiredRole.rawValue) role; \(who)"))
        }
        switch result {
        case .success where changes:
            try? writer.recordCommand(
                uid: peer.uid, pid: peer.pid, role: role?.rawValue, command: describe(command), outcome: "done" + (note.map { " (\($0))" } ?? ""))
        case .success:
            tally(command.name, describe(command), "done", from: peer, at: now)
        case .failure(let error):
            tally("\(command.name) refused (\(error.code.rawValue))", describe(command), "refused (\(error.code.rawValue)): \(error.message)", from: peer, at: now)
        }
        switch result {
        case .success(let value):
            let watching = if case .watch = command { true } else { false }
            return Answer(line: Self.encode(value, id: request.id), watching: watching)
        case .failure(let error):
            return Answer(line: ControlResponse<Done>.failure(error, id: request.id).encoded(), watching: false)
        }
    }

    /// Changing commands a uid may send a second (in bursts as large): a person at a keyboard
    /// sends one or two, a script a few; more is refused, not written, so it cannot turn the log's
    /// two fsyncs a command into a flood.
    static let changesPerSecond = 10

    /// A refusal before a request could be decoded (malformed, too long, rate limited), counted
    /// per uid like every refusal.
    func refuse(_ error: ControlError, id: String?, from peer: PeerCredentials, at now: ControlInstant) -> Data {
        tally("(undecoded) refused (\(error.code.rawValue))", "(undecoded)", "refused (\(error.code.rawValue)): \(error.message)", from: peer, at: now)
        return ControlResponse<Done>.failure(error, id: id).encoded()
    }

    /// Writes the first of each `kind` for the peer's uid at once; counts the rest.
    private func tally(_ kind: String, _ command: String, _ outcome: String, from peer: PeerCredentials, at now: ControlInstant) {
        let first = tallies.withLock { $0[peer.uid, default: RepeatTally()].firstOrCount(kind, at: now) }
        if first { try? writer.recordCommand(uid: peer.uid, pid: peer.pid, role: role(of: peer)?.rawValue, command: command, outcome: outcome) }
    }

    /// Writes each uid's counted requests as one record: those a minute old, those of a uid with
    /// no connection left (`leaving`), or all (`force`, at shutdown).
    func recordRepeats(at now: ControlInstant, force: Bool = false, leaving: Set<UInt32> = []) {
        let due: [(UInt32, String)] = tallies.withLock { tallies in
            var lines: [(UInt32, String)] = []
            for (uid, tally) in tallies where force || tally.due(at: now) || leaving.contains(uid) {
                var tally = tally
                if let line = tally.take() { lines.append((uid, line)) }
                tallies[uid] = tally
            }
            return lines
        }
        for (uid, line) in due {
            try? writer.recordCommand(uid: uid, pid: 0, role: nil, command: "(repeated)", outcome: line)
        }
    }

    /// A status line for a watcher, unlogged: the watch itself was logged when it began.
    public func statusLine() -> Data {
        ControlResponse.success(statusBoard.report(), id: nil).encoded()
    }

    static func encode(_ value: any Codable & Sendable, id: String?) -> Data {
        func typed<Value: Codable & Sendable>(_ value: Value) -> Data { ControlResponse.success(value, id: id).encoded() }
        return typed(value)
    }

    /// `note`: what the log should say besides "done" (for a program, the library it was checked
    /// against: LIB-004).
    private func perform(_ command: ControlCommand, note: inout String?) -> Result<any Codable & Sendable, ControlError> {
        do throws(ControlError) {
            return .success(try performThrowing(command, note: &note))
        } catch {
            return .failure(error)
        }
    }

    private func performThrowing(_ command: ControlCommand, note: inout String?) throws(ControlError) -> any Codable & Sendable {
        switch command {
        case .status, .watch:
            return status()
        case .alarms:
            let report = status()
            return AlarmsResult(alarms: report.alarms.sorted { $0.priority > $1.priority }, audioPaused: report.audioPaused)
        case .library:
            return library.withLock { Self.listing(of: $0) }
        case .history(let since, let limit, let verify):
            return try history(since: since, limit: limit, verify: verify)
        case .loadSyringe(let name, let fillText):
            let spec: SyringeSpec
            do { spec = try syringes.syringe(named: name) } catch { throw ControlError(.badArgument, "syringe: \(error.reason)") }
            let fill = try fillText.map { text throws(ControlError) in try ControlError.parsing("fill", text, QuantityParser.volume) } ?? spec.usableVolume
            return try loop(.loadSyringe(spec, fill: fill))
        case .unloadSyringe: return try loop(.command(.unloadSyringe))
        case .prime(let volume, let disconnected):
            return try loop(.command(.prime(try ControlError.parsing("volume", volume, QuantityParser.volume), lineDisconnected: disconnected)))
        case .program(let arguments):
            // The library the loop checks against is the one this dispatcher lists: both change
            // only through reload_library, the loop's first.
            let (version, checksum) = library.withLock { ($0.version, $0.checksum) }
            let done = try loop(.program(try arguments.request(), text: arguments))
            note = "checked against drug library \(version), sha256 \(checksum)"
            return done
        case .newPatient(let weight, let id):
            return try loop(.command(.newPatient(weight: try ControlError.parsing("weight", weight, QuantityParser.weight), id: id)))
        case .vitals(let chart):
            let readings: VitalReadings
            do {
                readings = try ChartedObservation.parse(
                    bloodPressure: chart.bloodPressure, respiratoryRate: chart.respiratoryRate, heartRate: chart.heartRate, spo2: chart.spo2)
            } catch {
                throw ControlError(.badArgument, error.description)
            }
            return try loop(.command(.chart(readings)))
        case .start: return try loop(.command(.start))
        case .pause: return try loop(.command(.pause))
        case .resume: return try loop(.command(.resume))
        case .stop: return try loop(.command(.stop))
        case .silence: return try loop(.command(.silence))
        case .reset: return try loop(.command(.reset))
        case .bolus(let dose, let confirm):
            return try loop(.command(.bolus(try ControlError.parsing("dose", dose, QuantityParser.weightDose), confirmSoftLimits: confirm)))
        case .acknowledge(let name):
            guard let name else { return try loop(.command(.acknowledge(nil))) }
            guard let alarm = AlarmID.allCases.first(where: { $0.name == name }) else {
                throw ControlError(.badArgument, "no alarm \"\(name)\"; alarms are \(AlarmID.allCases.map(\.name).joined(separator: ", "))")
            }
            return try loop(.command(.acknowledge(alarm)))
        case .reloadLibrary:
            return try reloadLibrary()
        case .acceptJournal(let reason):
            let accepted: Bool
            do {
                accepted = try writer.acceptLoss()
            } catch {
                throw ControlError(.journalFailure, "the journal was not accepted: \(error)")
            }
            guard accepted else { throw ControlError(.refusedByState, "the journal is not lost: there is nothing to accept") }
            note = "the journal accepted as it is, resealed: \(reason)"
            return Done()
        case .simulate(let name):
            guard let fault = SimulatedFaultRequest(rawValue: name) else {
                throw ControlError(.badArgument, "no fault \"\(name)\"; faults are \(SimulatedFaultRequest.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return try loop(.inject(fault))
        }
    }

    private func status() -> StatusReport { statusBoard.report() }

    private func loop(_ request: LoopRequest) throws(ControlError) -> Done {
        switch post(request) {
        case .done?: return Done()
        case .refused(let refusal)?: throw Self.error(for: refusal)
        case .unavailable(let reason)?: throw ControlError(.badArgument, reason)
        case .notReady(let reason)?: throw ControlError(.refusedByState, reason)
        case .progress?: return Done()
        case nil: throw Self.loopUnresponsive
        }
    }

    static let loopUnresponsive = ControlError(.refusedByState, "the control loop did not answer within a second; the supervisor handles a stalled loop")

    static func error(for refusal: CommandRefusal) -> ControlError {
        let code: ControlError.Code =
            switch refusal.code {
            case .wrongState, .noActiveAlarm, .rule: .refusedByState
            case .alarmActive, .conditionPersists: .refusedByAlarm
            case .limit, .needsConfirmation: .refusedByLimit
            }
        return ControlError(code, refusal.description)
    }

    private func history(since: Int64?, limit: Int, verify: Bool) throws(ControlError) -> HistoryResult {
        do {
            let verified = verify ? try journal.verify() : nil
            let stored = try since.map { since throws(JournalError) in try journal.events(sinceControl: since, limit: limit) }
                ?? journal.newestEvents(limit: limit)
            var events = stored.map { stored in
                HistoryResult.Event(
                    id: stored.id, wallTime: stored.event.wallTime, controlNs: stored.event.controlNanoseconds, boot: stored.event.boot,
                    uid: stored.event.uid, pid: stored.event.pid, role: stored.event.role, type: stored.event.type,
                    details: stored.event.details)
            }
            // Kept within what a reply may carry: each event costs its text and its field names
            // (escapes can double the text; counted at twice, to be sure).
            var bytes = 0
            var kept = 0
            let ordered = since == nil ? Array(events.reversed()) : events
            for event in ordered {
                let cost = 2 * (event.details.utf8.count + event.type.utf8.count + event.wallTime.utf8.count + (event.role?.utf8.count ?? 0)) + 160
                guard bytes + cost <= HistoryResult.maximumBytes else { break }
                bytes += cost
                kept += 1
            }
            let omitted = events.count - kept
            if omitted > 0 { events = since == nil ? Array(events.suffix(kept)) : Array(events.prefix(kept)) }
            return HistoryResult(events: events, verifiedEvents: verified, omittedEvents: omitted > 0 ? omitted : nil)
        } catch {
            throw ControlError(.journalFailure, "\(error)")
        }
    }

    private func reloadLibrary() throws(ControlError) -> LibraryResult {
        let loaded: DrugLibrary
        do {
            loaded = try DrugLibraryParser.parse(try String(contentsOfFile: libraryPath, encoding: .utf8), file: libraryPath)
        } catch {
            throw ControlError(.badArgument, "the library was not replaced: \(error)")
        }
        _ = try loop(.replaceLibrary(ProgramValidator(library: loaded)))
        library.withLock { $0 = loaded }
        return Self.listing(of: loaded)
    }

    static func listing(of library: DrugLibrary) -> LibraryResult {
        LibraryResult(
            name: library.name, version: library.version, checksum: library.checksum,
            drugs: library.drugs.map { drug in
                LibraryResult.Drug(
                    name: drug.name, displayName: drug.displayName, concentrationsMgPerMl: drug.concentrations.map(\.value),
                    hardMaximumDose: drug.weightBasedDoseLimits.map { "\($0.hardMaximum)" } ?? drug.fixedDoseLimits.map { "\($0.hardMaximum)" })
            })
    }

    /// The command as the log records it: its name and arguments as typed.
    private func describe(_ command: ControlCommand) -> String {
        switch command {
        case .program(let a):
            "program \(a.drug) \(a.concentration) \(a.weight) \(a.dose) \(a.duration ?? a.volume ?? "")"
                + (a.bolus.map { " bolus \($0)" } ?? "") + (a.confirmSoftLimits ? " (soft limits confirmed)" : "")
        case .loadSyringe(let name, let fill): "load_syringe \(name)" + (fill.map { " \($0)" } ?? "")
        case .bolus(let dose, let confirm): "bolus \(dose)" + (confirm ? " (soft limits confirmed)" : "")
        case .acknowledge(let alarm): "ack \(alarm ?? "all")"
        case .simulate(let fault): "simulate \(fault)"
        case .acceptJournal(let reason): "accept_journal: \(reason)"
        case .prime(let volume, let disconnected): "prime \(volume)" + (disconnected ? " line disconnected" : "")
        case .newPatient(let weight, let id): "new_patient \(weight)" + (id.map { " id \($0)" } ?? "")
        case .vitals(let chart): "vitals \(chart.description)"
        default: command.name
        }
    }
}
