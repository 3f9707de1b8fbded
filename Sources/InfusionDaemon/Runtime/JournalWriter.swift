import Foundation
import Glibc
import InfusionCore
import Journal
import PumpHardware
import Synchronization

/// The journal's own thread: keeps the ledger written ahead of the motor (DESIGN.md rule 5),
/// carries the loop's events into the event log, and saves the pump's progress and control time.
///
/// Every write is synchronous (the journal's `synchronous = FULL`), which is why none happens on
/// the loop. A write that fails marks the journal unhealthy: the loop stops delivery with the
/// journal-failure alarm in its next tick, and this thread keeps trying; the daemon goes on.
public final class JournalWriter: @unchecked Sendable {
    let journal: Journal
    let gauges: LoopGauges
    let events: LoopEventRing
    let progress: @Sendable () -> SavedProgress?
    /// The loop's last progress, handed over at shutdown: once the loop has stopped it cannot be
    /// asked, and a reset a moment before a SIGTERM was once lost with it (the restart brought
    /// back journal_lost, already acknowledged and reset).
    let finalProgress = Mutex<SavedProgress?>(nil)
    let writeAhead: WriteAhead
    /// Control time per wall time: the write-ahead margin is a wall-clock second of flow.
    let scale: Double
    let log: @Sendable (String) -> Void
    /// Where each event goes besides the event log: journald under systemd (``SystemLog``).
    let systemLog: SystemLog
    private var durable: Int64
    /// The program the durable total was committed for. Drug committed ahead under one program
    /// and never delivered must not cover the next program's first steps: those would then be
    /// recorded under the old program, and a restart would restore the new program's total short.
    private var durableProgram: Int64
    /// Likewise the patient: drug committed ahead for one patient never covers the next one's.
    private var durablePatient: Int64
    /// The patient whose first event the journal has marked: pruning keeps every event from it.
    private var markedPatient: Int64
    /// Events taken from the loop's ring whose append has not succeeded yet, oldest first.
    private var unwritten: [JournalEvent] = []
    /// Events that found `unwritten` full, written as one count once appends succeed again.
    private var lostWhileFailing = 0
    private var lastSaved: SavedProgress?
    private var lastSaveNanoseconds: Int64 = 0
    /// The loop's change count when progress was last saved. At start it is the count the loop
    /// began with: the journal already holds the progress the loop was restored from.
    private var savedAtChange: Int64
    /// Shared with the server's thread, which records commands through ``recordCommand``.
    private let failing = Atomic<Bool>(false)

    public init(
        journal: Journal, gauges: LoopGauges, events: LoopEventRing, scale: Double, writeAhead: WriteAhead = WriteAhead(),
        progress: @escaping @Sendable () -> SavedProgress?, log: @escaping @Sendable (String) -> Void, systemLog: SystemLog = .standard
    ) {
        self.journal = journal
        self.systemLog = systemLog
        self.writeAhead = writeAhead
        self.gauges = gauges
        self.events = events
        self.scale = scale
        self.progress = progress
        self.log = log
        durable = gauges.durable.load(ordering: .acquiring)
        durableProgram = gauges.programNumber.load(ordering: .acquiring)
        durablePatient = gauges.patientNumber.load(ordering: .acquiring)
        markedPatient = durablePatient
        savedAtChange = gauges.changes.load(ordering: .acquiring)
    }

    /// Runs until the loop has finished, then flushes once more.
    public func run() {
        while !gauges.finished.load(ordering: .acquiring) {
            cycle()
            var pause = timespec(tv_sec: 0, tv_nsec: Int(writeAhead.interval.nanoseconds))
            nanosleep(&pause, nil)
        }
        flush()
    }

    /// One pass: progress if a command or the state changed it, then the write-ahead (delivery
    /// waits on it), then events, then the periodic progress.
    ///
    /// Progress comes first so that no drug moves under a program, syringe or "infusing" the
    /// journal does not hold yet: the loop cannot step past the durable ledger, and the ledger is
    /// written only after the progress that explains it. Found by the crash torture: a kill in
    /// the first second of an infusion restarted as `no_syringe`, with no alarm, though the pump
    /// had delivered.
    public func cycle() {
        let changes = gauges.changes.load(ordering: .acquiring)
        if changes != savedAtChange {
            attempt("saving progress") { () throws(JournalError) in
                if try saveProgress(force: false) { savedAtChange = changes }
            }
        }
        // A change whose progress is not durable (the loop did not answer, or the write failed)
        // gets no drug committed ahead: the loop holds, and a hold that lasts is journal_failure.
        if savedAtChange == changes {
            attempt("writing the ledger ahead") { () throws(JournalError) in try commitAhead() }
        }
        attempt("appending the loop's events") { () throws(JournalError) in try drainEvents() }
        let patient = gauges.patientNumber.load(ordering: .acquiring)
        if patient != markedPatient {
            attempt("marking the new patient's first event") { () throws(JournalError) in
                try journal.markPatientStart()
                markedPatient = patient
            }
        }
        let now = MonotonicClock.now().nanoseconds
        if now - lastSaveNanoseconds >= 1_000_000_000 {
            lastSaveNanoseconds = now
            attempt("saving progress") { () throws(JournalError) in _ = try saveProgress(force: false) }
            attempt("sealing") { () throws(JournalError) in try sealIfTrusted() }
        }
    }

    /// The last pass at shutdown: events and progress, whatever changed, and the seal.
    public func flush() {
        attempt("appending the loop's events") { () throws(JournalError) in try drainEvents() }
        attempt("saving progress") { () throws(JournalError) in _ = try saveProgress(force: true) }
        attempt("sealing") { () throws(JournalError) in try sealIfTrusted() }
    }

    /// An admin's acceptance of a journal found lost: what it holds is authenticated again and
    /// sealed, and the loop's journal_lost condition ends (the latched alarm then takes a reset).
    /// False when the journal is not lost.
    public func acceptLoss() throws(JournalError) -> Bool {
        guard gauges.journalLost.load(ordering: .acquiring) else { return false }
        try journal.acceptAsIs()
        gauges.journalLost.store(false, ordering: .releasing)
        return true
    }

    /// Writes the seal for what is durable now (DESIGN.md rule 11), unless the journal stands
    /// lost: then the old seal is the evidence, until an admin accepts.
    private func sealIfTrusted() throws(JournalError) {
        guard !gauges.journalLost.load(ordering: .acquiring) else { return }
        try journal.seal()
    }

    private func commitAhead() throws(JournalError) {
        let program = gauges.programNumber.load(ordering: .acquiring)
        let patient = gauges.patientNumber.load(ordering: .acquiring)
        let commanded = Picograms(gauges.commanded.load(ordering: .acquiring))
        if program != durableProgram || patient != durablePatient {
            // A new program (or patient) begins stopped, so nothing is in flight: the old surplus
            // stays in the ledger (an over-count, the safe side) but the loop may no longer use it.
            durableProgram = program
            durablePatient = patient
            durable = min(durable, commanded.value)
            gauges.durable.store(durable, ordering: .releasing)
        }
        let perWallSecond = Double(gauges.flowPicogramsPerSecond.load(ordering: .acquiring)) * scale
        let amount = writeAhead.commitment(commanded: commanded, picogramsPerSecond: perWallSecond, durable: Picograms(durable))
        guard amount.value > 0 else { return }
        try journal.commitLedger(amount, at: gauges.controlNanoseconds.load(ordering: .relaxed), program: program, patient: patient)
        durable += amount.value
        gauges.durable.store(durable, ordering: .releasing)
    }

    /// Each event taken from the ring goes to journald at once, and into the event log in the
    /// order the loop raised it: one whose append fails stays, with those after it, for a later
    /// pass. (A failed append once lost the rest of its batch from both, `journal_failure`
    /// included, which is when journald is the only record left.)
    ///
    /// Bounded both ways: at most ``unwrittenLimit`` wait (beyond that they are counted, and the
    /// count is written as one `events_lost` event once the disk answers: memory never grows
    /// with the length of a failure), and at most ``catchUpPerPass`` are written a pass, so the
    /// write-ahead and the progress are never held behind a backlog.
    private func drainEvents() throws(JournalError) {
        events.drain { event in
            let entry = journalEvent(for: event)
            let alarm = event.kind == .alarmRaised || event.kind == .alarmCleared ? AlarmID(rawValue: Int(event.code)) : nil
            systemLog.event(type: entry.type, details: entry.details, alarm: alarm)
            if unwritten.count < Self.unwrittenLimit { unwritten.append(entry) } else { lostWhileFailing += 1 }
        }
        var written = 0
        defer { unwritten.removeFirst(written) }
        while written < unwritten.count, written < Self.catchUpPerPass {
            _ = try journal.append(unwritten[written])
            written += 1
        }
        if lostWhileFailing > 0, written == unwritten.count {
            _ = try journal.append(
                JournalEvent(
                    wallTime: wallTime(), controlNanoseconds: gauges.controlNanoseconds.load(ordering: .relaxed), boot: journal.boot,
                    type: "events_lost",
                    details: "\(lostWhileFailing) events from the loop while the journal could not be written, beyond the \(Self.unwrittenLimit) kept (journald has them)"))
            lostWhileFailing = 0
        }
    }

    /// Events kept for the event log while its appends fail: the loop's own ring's size.
    static let unwrittenLimit = 4_096
    /// Events written from the backlog in one pass (each is a synchronous append).
    static let catchUpPerPass = 64

    /// Saves the loop's progress if it changed; false when the loop did not answer.
    private func saveProgress(force: Bool) throws(JournalError) -> Bool {
        guard let saved = progress() ?? finalProgress.withLock({ $0 }) else { return false }
        let control = gauges.controlNanoseconds.load(ordering: .relaxed)
        if force || saved != lastSaved {
            let body = String(decoding: (try? JSONEncoder().encode(saved)) ?? Data(), as: UTF8.self)
            try journal.saveState(body, at: control)
            lastSaved = saved
        }
        try journal.saveControlTime(control)
        return true
    }

    /// Records a command from the socket, with who sent it and what came of it (DESIGN.md rule 8).
    /// Called from the server's thread; the journal serialises writers itself.
    public func recordCommand(
        uid: UInt32, pid: Int32, role: String?, command: String, outcome: String
    ) throws(JournalError) {
        let event = JournalEvent(
            wallTime: wallTime(), controlNanoseconds: gauges.controlNanoseconds.load(ordering: .relaxed), boot: journal.boot,
            uid: Int64(uid), pid: Int64(pid), role: role, type: "command", details: "\(command): \(outcome)")
        do {
            _ = try journal.append(event)
        } catch {
            markFailing(error, doing: "recording a command")
            throw error
        }
    }

    /// The alarms a start comes back with (latched ones restored, `restarted_during_infusion`,
    /// `journal_lost`). The loop reports only changes from the state it starts in, so without this
    /// they reached neither the event log nor journald: the boot stage's `journalctl -p warning`
    /// listed nothing after a `kill -9`.
    public func recordActiveAtStart(_ alarms: [AlarmID]) {
        for alarm in alarms {
            attempt("recording \(alarm.name) active at start") { () throws(JournalError) in
                _ = try journal.append(
                    JournalEvent(
                        wallTime: wallTime(), controlNanoseconds: gauges.controlNanoseconds.load(ordering: .relaxed), boot: journal.boot,
                        type: SystemLog.alarmActiveAtStart, details: alarm.name))
            }
            systemLog.event(type: SystemLog.alarmActiveAtStart, details: alarm.name, alarm: alarm)
        }
    }

    /// Records something the daemon itself did (start, restore, shutdown).
    public func recordDaemon(_ type: String, _ details: String) {
        attempt("recording \(type)") { () throws(JournalError) in
            _ = try journal.append(
                JournalEvent(
                    wallTime: wallTime(), controlNanoseconds: gauges.controlNanoseconds.load(ordering: .relaxed), boot: journal.boot,
                    type: type, details: details))
        }
    }

    private func journalEvent(for event: LoopEvent) -> JournalEvent {
        let type: String
        let details: String
        switch event.kind {
        case .stateChanged:
            type = "state"
            details = InfusionState(code: event.code)?.wireName ?? "state \(event.code)"
        case .alarmRaised, .alarmCleared:
            type = event.kind == .alarmRaised ? "alarm_raised" : "alarm_cleared"
            details = AlarmID(rawValue: Int(event.code))?.name ?? "alarm \(event.code)"
        case .demandPressed:
            type = "demand_pressed"
            details = "the patient pressed the demand button (\(event.code)×); no demand dose is programmed, so none was given"
        case .stopKey:
            type = "key_stop"
            details = event.code == 1 ? "the front panel's STOP key was pressed (or its wire broke): delivery paused" : "the STOP key was released"
        case .silenceKey:
            type = "key_silence"
            details = "the front panel's SILENCE key was pressed (\(event.code)×): alarm sound paused for up to 2 min"
        case .vitals:
            type = "vitals_interlock"
            details = VitalsEventCode.describe(event.code)
        }
        return JournalEvent(
            wallTime: wallTime(), controlNanoseconds: event.controlNanoseconds, boot: journal.boot, type: type, details: details)
    }

    private func wallTime() -> String { Date.now.ISO8601Format() }

    private func attempt(_ doing: String, _ body: () throws(JournalError) -> Void) {
        do {
            try body()
            if failing.exchange(false, ordering: .acquiringAndReleasing) {
                gauges.journalHealthy.store(true, ordering: .releasing)
                log(SystemLog.marked(.notice, "journal: writing again after a failure"))
            }
        } catch {
            markFailing(error, doing: doing)
        }
    }

    private func markFailing(_ error: JournalError, doing: String) {
        gauges.journalHealthy.store(false, ordering: .releasing)
        if !failing.exchange(true, ordering: .acquiringAndReleasing) { log(SystemLog.marked(.error, "journal failure while \(doing): \(error)")) }
    }
}
