import Glibc
import InfusionCore
import PumpHardware
import Synchronization

/// The real-time loop of DESIGN.md section 3: one thread, 1 kHz on absolute deadlines, that owns
/// the controller and the pump and never waits on another thread.
///
/// Each period it beats the heartbeat, serves the mailbox if its lock is free, and runs one
/// ``period(at:)``: sample, tick, apply, publish. Requests (commands, status) are handled between
/// ticks on this thread and may allocate; the tick and the publishing after it do not.
public final class ControlLoop<Device: DaemonDevice>: @unchecked Sendable {
    // Owned by the loop thread alone once `run` starts; read by others only through the mailbox,
    // the gauges, the heartbeat and the event ring.
    var controller: InfusionController
    /// Public so a test can reach a simulated board between periods it runs itself.
    public var device: Device
    let clock: LoopClock
    var validator: ProgramValidator
    public let mailbox = LoopMailbox<LoopRequest, LoopReply>(capacity: 32)
    public let heartbeat = LoopHeartbeat()
    /// Wake-up lateness and work per period; read only once the loop has finished.
    public let timing = LoopTiming()
    public let events = LoopEventRing(capacity: 4_096)
    public let gauges: LoopGauges
    /// The status other threads read (the socket's status and watch), left after every period.
    public let statusBoard = LoopStatusBoard()
    /// Words for the status board not yet handed over (its lock was held when they changed).
    var pendingDescriptors: StatusDescriptors?
    var progress: SavedProgress
    /// Periods in a row the tick has held steps back for the journal.
    private var heldPeriods = 0
    /// Periods the journal may hold delivery back before that is a journal failure: 500 ms, five
    /// of the journal thread's 100 ms commitment intervals (`WriteAhead.interval`). A healthy
    /// journal covers a new flow within one interval plus its fsync; five missed is not a hiccup.
    static var heldPeriodsLimit: Int { 500 }
    private var ringOverflowed = false
    private var lastState: InfusionState
    private var lastMask: UInt32
    private var lastPresses: Int64
    /// The front panel's keys as last logged.
    private var lastStopKeyHeld = false
    private var lastSilencePresses: Int64?
    /// The oximeter's report as the last period read it, for the status board.
    var lastOximeter: OximeterReport?
    /// The bedside oximeter, where `[vitals]` fits one; set before the loop runs.
    var oximeter: OximeterTap?
    /// The interlock's verdict as last logged: each change is a loop event (issue 17).
    private var lastVitalsVerdict = VitalsVerdict()
    /// What the journal last had of the oximeter's levels: a change is saved like a state change,
    /// so a restart keeps a value the probe then stopped sending (third red team, issue 17).
    private var lastOximeterMemory = OximeterMemory()

    public init(
        controller: InfusionController, device: Device, clock: LoopClock, validator: ProgramValidator, progress: SavedProgress,
        gauges: LoopGauges
    ) {
        self.controller = controller
        self.device = device
        self.clock = clock
        self.validator = validator
        self.progress = progress
        self.gauges = gauges
        lastState = controller.state
        lastMask = controller.alarms.activeMask
        lastPresses = device.demandPresses
        gauges.durable.store(controller.ledger.lifetimeTotal.value, ordering: .releasing)
        gauges.stateIndex.store(Int(controller.state.code), ordering: .relaxed)
        gauges.programNumber.store(progress.programNumber, ordering: .releasing)
        gauges.patientNumber.store(controller.patient?.number ?? 0, ordering: .releasing)
        let now = clock.control(atMonotonic: MonotonicClock.now().nanoseconds)
        publish(at: now)
        pendingDescriptors = statusDescriptors()
        publishStatus(at: now)
    }

    /// Runs until `gauges.stopRequested`; then disables the motor and returns. `realTime` is
    /// applied to this thread first and its report handed to `log` (before the first tick).
    /// `cpu`: the CPU the loop is to have to itself (the daemon keeps its other threads off it).
    public func run(realTime: Bool, cpu: Int32? = nil, log: (String) -> Void) {
        let setup = realTime ? RealTimeSetup.apply(priority: 80, lockMemory: true, holdLatency: true, cpu: cpu) : nil
        if let setup { log(setup.description) }
        defer { if let fd = setup?.latencyDescriptor { close(fd) } }
        // Memory is locked as it is touched (RealTimeSetup): a page a tick touches for the first
        // time faults once, then stays. How many did, and whether any went to the disk, is counted
        // for this thread from its first tick on and reported with the timing at the end.
        let faultsBefore = ThreadPageFaults.now()
        var deadline = MonotonicClock.now().nanoseconds
        let period: Int64 = 1_000_000
        while !gauges.stopRequested.load(ordering: .acquiring) {
            deadline += period
            var wake = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, nil) == EINTR {}
            let monotonic = MonotonicClock.now().nanoseconds
            let lateness = monotonic - deadline
            // A period missed by far (a debugger, a suspended VM) is not made up in a burst of
            // ticks: the tick's own interval covers the gap, bounded by the drive's step limit.
            if monotonic - deadline > 20 * period { deadline = monotonic }
            heartbeat.beat()
            let now = clock.control(atMonotonic: monotonic)
            let served = mailbox.serve { handle($0, at: now) } ?? 0
            self.period(at: now)
            timing.record(lateness: lateness, work: MonotonicClock.now().nanoseconds - monotonic, servedRequests: served > 0)
        }
        let now = clock.control(atMonotonic: MonotonicClock.now().nanoseconds)
        device.apply(.safe, at: now, interval: .zero)
        log("\(timing.summary); \(ThreadPageFaults.now().since(faultsBefore))")
        gauges.finished.store(true, ordering: .releasing)
    }

    /// One control period. No allocation, log or I/O (the device's own `apply` is the hardware
    /// write the period exists for), and no lock it could wait on: the status board is written
    /// with a try-lock, skipped for a period when a reader holds it.
    public func period(at now: ControlInstant) {
        var sensors = device.sample(at: now)
        let journalHealthy = gauges.journalHealthy.load(ordering: .acquiring) && !ringOverflowed
            && heldPeriods < Self.heldPeriodsLimit
        sensors.journalHealthy = sensors.journalHealthy && journalHealthy
        sensors.journalLost = sensors.journalLost || gauges.journalLost.load(ordering: .acquiring)
        sensors.loopOverran = sensors.loopOverran || heartbeat.hasOverran
        sensors.durableLedger = Picograms(gauges.durable.load(ordering: .acquiring))
        if oximeter != nil { sensors.oximeter = oximeter!.sample() }
        lastOximeter = sensors.oximeter
        let actuation = controller.tick(now: now, sensors: sensors)
        // Every interlock decision reaches the log (issue 17): what counts as critical, as a
        // warning, and whether a source is lost, whenever any of it changes.
        let verdict = controller.vitals.verdict
        if verdict != lastVitalsVerdict {
            lastVitalsVerdict = verdict
            record(LoopEvent(kind: .vitals, code: VitalsEventCode.encode(verdict), controlNanoseconds: now.nanoseconds))
        }
        let memory = controller.vitals.oximeterMemory
        if memory != lastOximeterMemory {
            lastOximeterMemory = memory
            gauges.changes.add(1, ordering: .releasing)
        }
        // Each key press reaches the log (issue 15); the tick has already acted on it.
        if sensors.stopKeyHeld != lastStopKeyHeld {
            lastStopKeyHeld = sensors.stopKeyHeld
            record(LoopEvent(kind: .stopKey, code: sensors.stopKeyHeld ? 1 : 0, controlNanoseconds: now.nanoseconds))
        }
        if let seen = lastSilencePresses, sensors.silenceKeyPresses > seen {
            record(LoopEvent(kind: .silenceKey, code: UInt16(clamping: sensors.silenceKeyPresses - seen), controlNanoseconds: now.nanoseconds))
        }
        lastSilencePresses = sensors.silenceKeyPresses
        device.apply(actuation, at: now, interval: clock.period)
        heldPeriods = controller.writeAheadHeld ? heldPeriods + 1 : 0
        publish(at: now)
        publishStatus(at: now)
    }

    /// The status board's numbers, and its words if they changed. Never waits: a board a reader
    /// holds is updated next period.
    func publishStatus(at now: ControlInstant) {
        let numbers = statusNumbers(at: now)
        _ = statusBoard.snapshot.withLockIfAvailable { $0 = numbers }
        if let words = pendingDescriptors, statusBoard.descriptors.withLockIfAvailable({ $0 = words }) != nil {
            pendingDescriptors = nil
        }
    }

    /// Gauges and events after a tick or a command.
    private func publish(at now: ControlInstant) {
        let flow = controller.commandedFlow.value
        let perStep = Double(controller.drugPerStep.value)
        let stepsPerMillilitre = controller.syringe?.stepsPerMillilitre ?? 0
        gauges.commanded.store(controller.ledger.lifetimeTotal.value, ordering: .releasing)
        gauges.flowPicogramsPerSecond.store(Int64(saturating: flow * stepsPerMillilitre * perStep / 3_600, rounding: .up), ordering: .releasing)
        gauges.rateMicrolitresPerHour.store(Int64(saturating: flow * 1_000), ordering: .relaxed)
        gauges.deliveredMicrolitres.store(Int64(saturating: controller.programDeliveredVolume.value * 1_000), ordering: .relaxed)
        gauges.controlNanoseconds.store(now.nanoseconds, ordering: .relaxed)
        let presses = device.demandPresses
        if presses > lastPresses {
            // One event per period, carrying the count, so a chattering button cannot fill the ring.
            record(LoopEvent(kind: .demandPressed, code: UInt16(clamping: presses - lastPresses), controlNanoseconds: now.nanoseconds))
            lastPresses = presses
        }
        let state = controller.state
        let mask = controller.alarms.activeMask
        guard state != lastState || mask != lastMask else { return }
        if state != lastState {
            record(LoopEvent(kind: .stateChanged, code: state.code, controlNanoseconds: now.nanoseconds))
            gauges.stateIndex.store(Int(state.code), ordering: .relaxed)
        }
        var changed = mask ^ lastMask
        while changed != 0 {
            let bit = UInt32(changed.trailingZeroBitCount)
            changed &= changed - 1
            let raised = mask & (1 << bit) != 0
            record(LoopEvent(kind: raised ? .alarmRaised : .alarmCleared, code: UInt16(bit), controlNanoseconds: now.nanoseconds))
        }
        lastState = state
        lastMask = mask
        gauges.changes.add(1, ordering: .releasing)
    }

    /// A full ring is a journal failure: an event log with a hole in it is not one (DAEMON-005).
    private func record(_ event: LoopEvent) {
        if !events.push(event) { ringOverflowed = true }
    }
}
