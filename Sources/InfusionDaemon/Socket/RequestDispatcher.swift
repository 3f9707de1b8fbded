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

    /// Answers one decoded request and records it: at once, or counted in `repeats` when it is a
    /// repeat of a read-only request this connection already made.
    func answer(_ request: ControlRequest, from peer: PeerCredentials, repeats: inout RepeatTally, at now: ControlInstant) -> Answer {
        let role = role(of: peer)
        let command = request.command
        let result: Result<any Codable & Sendable, ControlError>
        if let role, role >= command.requiredRole {
            result = perform(command)
        } else {
            let who = role.map { "uid \(peer.uid) is \($0.rawValue)" } ?? "uid \(peer.uid) is in none of the groups \(Role.observerGroup), \(Role.operatorGroup), \(Role.adminGroup)"
            result = .failure(ControlError(.notPermitted, "\(command.name) needs the \(command.requiredRole.rawValue) role; \(who)"))
        }
        let outcome: String
        switch result {
        case .success: outcome = "done"
        case .failure(let error): outcome = "refused (\(error.code.rawValue)): \(error.message)"
        }
        let readOnly = if case .success = result { command.requiredRole == .observer } else { false }
        if !readOnly || repeats.firstOrCount(command.name, at: now) {
            try? writer.recordCommand(uid: peer.uid, pid: peer.pid, role: role?.rawValue, command: describe(command), outcome: outcome)
        }
        switch result {
        case .success(let value):
            let watching = if case .watch = command { true } else { false }
            return Answer(line: Self.encode(value, id: request.id), watching: watching)
        case .failure(let error):
            return Answer(line: ControlResponse<Done>.failure(error, id: request.id).encoded(), watching: false)
        }
    }

    /// A refusal before a request could be decoded (malformed, too long, rate limited); logged
    /// too, rate-limit refusals after a connection's first as a count.
    func refuse(_ error: ControlError, id: String?, from peer: PeerCredentials, repeats: inout RepeatTally, at now: ControlInstant) -> Data {
        if error.code != .rateLimited || repeats.firstOrCount("refused (\(error.code.rawValue))", at: now) {
            try? writer.recordCommand(
                uid: peer.uid, pid: peer.pid, role: role(of: peer)?.rawValue, command: "(undecoded)",
                outcome: "refused (\(error.code.rawValue)): \(error.message)")
        }
        return ControlResponse<Done>.failure(error, id: id).encoded()
    }

    /// Writes a connection's counted repeats as one record.
    func recordRepeats(_ repeats: inout RepeatTally, from peer: PeerCredentials) {
        guard let counts = repeats.take() else { return }
        try? writer.recordCommand(uid: peer.uid, pid: peer.pid, role: role(of: peer)?.rawValue, command: "(repeated)", outcome: counts)
    }

    /// A status line for a watcher, unlogged: the watch itself was logged when it began.
    public func statusLine() -> Data {
        ControlResponse.success(statusBoard.report(), id: nil).encoded()
    }

    static func encode(_ value: any Codable & Sendable, id: String?) -> Data {
        func typed<Value: Codable & Sendable>(_ value: Value) -> Data { ControlResponse.success(value, id: id).encoded() }
        return typed(value)
    }

    private func perform(_ command: ControlCommand) -> Result<any Codable & Sendable, ControlError> {
        do throws(ControlError) {
            return .success(try performThrowing(command))
        } catch {
            return .failure(error)
        }
    }

    private func performThrowing(_ command: ControlCommand) throws(ControlError) -> any Codable & Sendable {
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
        case .prime(let volume):
            return try loop(.command(.prime(try ControlError.parsing("volume", volume, QuantityParser.volume))))
        case .program(let arguments): return try loop(.program(try arguments.request(), text: arguments))
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
            case .wrongState, .noActiveAlarm: .refusedByState
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
            let events = stored.map { stored in
                HistoryResult.Event(
                    id: stored.id, wallTime: stored.event.wallTime, controlNs: stored.event.controlNanoseconds, boot: stored.event.boot,
                    uid: stored.event.uid, pid: stored.event.pid, role: stored.event.role, type: stored.event.type,
                    details: stored.event.details)
            }
            return HistoryResult(events: events, verifiedEvents: verified)
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
        case .prime(let volume): "prime \(volume)"
        default: command.name
        }
    }
}
