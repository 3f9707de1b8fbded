import CPosixShims
import ControlProtocol
import Foundation
import Glibc
import InfusionCore
import Journal
import PumpHardware
import SerialPump
import VitalsSource

/// infusiond put together: the journal opened and the controller restored from it, then four
/// threads (DESIGN.md section 3): the real-time loop, its supervisor, the journal writer and the
/// technician socket. Nothing is delivered until a technician starts it (rule 4).
public final class Daemon: @unchecked Sendable {
    public let gauges: LoopGauges
    let journalWriter: JournalWriter
    let server: ControlServer
    let post: @Sendable (LoopRequest) -> LoopReply?
    let log: @Sendable (String) -> Void
    private var threads: [Thread] = []
    /// Runs once the loop has stopped: the NE-1000 driver sends its last STPs and closes the port.
    var afterStop: () -> Void = {}

    /// Opens and restores everything, starts the threads, and answers once the socket takes
    /// clients: the moment to tell systemd READY.
    /// `simulator`: what runs `hardware.kind = "simulator"`, given only by `infusiond-sim`. The
    /// shipped `infusiond` passes nil and refuses such a configuration, so no bedside
    /// configuration can run a pretend pump that moves nothing (issue 16).
    public static func start(
        _ loaded: LoadedConfiguration, realTime: Bool, simulator: (any SimulatorStarter)? = nil, log: @escaping @Sendable (String) -> Void
    ) throws(StartupError) -> Daemon {
        let configuration = loaded.configuration
        var settings = try controllerSettings(for: configuration)
        switch configuration.hardware {
        case .simulator(let scale, let fill):
            guard let simulator else { throw StartupError(SimulatorAbsence.message) }
            return try simulator.start(loaded, settings: settings, scale: scale, fill: fill, realTime: realTime, log: log)
        case .ne1000(let port, let serial):
            try HardwareWait.untilPresent(loaded, log: log)
            // A smart pump has no encoder the loop reads; its own count (DIS) is the cross-check.
            settings.encoderFitted = false
            let driver = try HardwareStartup.openNE1000(port: port, settings: serial, loopCPU: realTime ? RealTimeSetup.loopCPU : nil, log: log)
            do throws(StartupError) {
                let writeAhead = WriteAhead.forSafeModePump(timeout: .seconds(Int64(serial.safeModeTimeoutSeconds)))
                let daemon = try start(
                    loaded, settings: settings, scale: 1, writeAhead: writeAhead, release: .stopPump(driver), realTime: realTime, log: log
                ) { _ in
                    SerialPumpDevice(driver: driver)
                }
                daemon.afterStop = { driver.shutdown() }
                return daemon
            } catch {
                driver.shutdown()
                throw error
            }
        case .gpio:
            try HardwareWait.untilPresent(loaded, log: log)
            guard let map = loaded.pinMap else { throw StartupError("hardware.pin_map: the pin map was not loaded") }
            settings.encoderFitted = map.encoderFitted
            let lines = try HardwareStartup.openLines(map)
            return try start(
                loaded, settings: settings, scale: 1, writeAhead: WriteAhead(), release: .enableLine(of: lines), realTime: realTime, log: log
            ) {
                clock throws(StartupError) in
                do throws(GPIOLineError) {
                    return try GPIOBoardDevice(lines: lines, map: map, clock: clock)
                } catch {
                    // A line that stops answering (a USB GPIO expander re-enumerating) is not a
                    // wrong configuration.
                    let transient = [EIO, ENODEV, EBUSY, ENXIO].contains(error.errno)
                    throw StartupError("hardware.pin_map: taking the lines over: \(error)", exitCode: transient ? .notReady : .configuration)
                }
            }
        }
    }

    /// The controller's settings for `configuration`, validated (LIB-004): a setting that would
    /// void a safety function stops the start, named. They once were built and never checked, so
    /// the tests of unsafe settings tested code the daemon did not run.
    public static func controllerSettings(for configuration: DaemonConfiguration) throws(StartupError) -> ControllerSettings {
        do {
            return try ControllerSettings(pausedCallBack: configuration.pausedCallBack).validated()
        } catch {
            throw StartupError("controller settings: \(error)")
        }
    }

    /// Starts on a pump that moves only inside the loop's `apply` (so a stalled loop moves
    /// nothing and the supervisor has nothing to release): the simulator of `infusiond-sim`.
    public static func startInProcess<Device: DaemonDevice & Sendable>(
        _ loaded: LoadedConfiguration, settings: ControllerSettings, scale: Double, realTime: Bool,
        log: @escaping @Sendable (String) -> Void, device: Device
    ) throws(StartupError) -> Daemon {
        try start(loaded, settings: settings, scale: scale, writeAhead: WriteAhead(), release: .nothingToRelease, realTime: realTime, log: log) {
            _ in device
        }
    }

    static func start<Device: DaemonDevice & Sendable>(
        _ loaded: LoadedConfiguration, settings: ControllerSettings, scale: Double, writeAhead: WriteAhead, release: MotorRelease,
        realTime: Bool,
        log: @escaping @Sendable (String) -> Void, device makeDevice: (LoopClock) throws(StartupError) -> Device
    ) throws(StartupError) -> Daemon {
        let configuration = loaded.configuration
        // Reached with a device in hand: a simulator configuration has its simulator.
        let checks = StartChecks.run(loaded, simulatorLinked: true)
        if !checks.problems.isEmpty { throw StartupError(checks.problems.joined(separator: "; ")) }
        if !checks.notReady.isEmpty { throw StartupError(checks.notReady.joined(separator: "; "), exitCode: .notReady) }
        let opening: JournalOpening
        do {
            opening = try JournalOpening.open(at: configuration.journal, suffix: String(Int(Date().timeIntervalSince1970)))
        } catch {
            throw StartupError("paths.journal: \(configuration.journal): \(error)", exitCode: error.kind == .locked ? .notReady : .configuration)
        }
        let journal = opening.journal
        let validator = ProgramValidator(library: loaded.library, mechanics: settings.mechanics)
        let clock: LoopClock
        var restoration: Restoration
        /// Why the journal cannot be trusted: journal_lost until an admin accepts it (rule 11).
        var lost = opening.lossReasons
        do {
            let persisted = try journal.lastControlNanoseconds()
            if let problem = persisted.problem {
                try journal.quarantine("control time", "\(problem); resumed from \(persisted.value) ns, the latest any record holds")
                lost.append(problem)
            }
            clock = LoopClock(persisted: persisted.value, monotonicNow: MonotonicClock.now().nanoseconds, scale: scale)
            let now = clock.control(atMonotonic: MonotonicClock.now().nanoseconds)
            restoration = try Restoration.restore(from: journal, settings: settings, validator: validator, syringes: loaded.syringes, at: now)
            lost += restoration.distrust
            if !lost.isEmpty {
                restoration.controller.raiseAtStart(.journalLost, at: now)
                restoration.notes.append(
                    "journal_lost: \(lost.joined(separator: "; ")); nothing is delivered until an admin accepts the journal (infusionctl accept-journal)")
            }
        } catch {
            throw StartupError("paths.journal: \(configuration.journal): \(error)")
        }
        var device = try makeDevice(clock)
        if let spec = restoration.controller.syringeSpec, let syringe = restoration.controller.syringe {
            // The simulator's syringe is as the journal left it; real hardware reads its own switches.
            device.syringeLoaded(spec, fill: syringe.remaining)
        }
        let gauges = LoopGauges()
        gauges.journalLost.store(!lost.isEmpty, ordering: .releasing)
        let loop = ControlLoop(
            controller: restoration.controller, device: device, clock: clock, validator: validator, progress: restoration.progress,
            gauges: gauges)
        let loopCPU = realTime ? RealTimeSetup.loopCPU : nil
        if let fitted = configuration.oximeter {
            let reader = OximeterReader(portName: fitted.port, baud: fitted.baud, threadSetUp: { if let loopCPU { RealTimeSetup.keepOff(loopCPU) } }, log: log)
            loop.oximeter = OximeterTap(reader: reader, clock: clock)
        }
        let mailbox = loop.mailbox
        let post: @Sendable (LoopRequest) -> LoopReply? = { mailbox.post($0, timeout: 1) }
        let writer = JournalWriter(
            journal: journal, gauges: gauges, events: loop.events, scale: scale, writeAhead: writeAhead,
            progress: {
                if case .progress(let saved)? = post(.progress) { return saved }
                return nil
            }, log: log)
        let listener = try ListeningSocket(path: configuration.socket, group: configuration.socketGroup)
        let dispatcher = RequestDispatcher(
            post: post, statusBoard: loop.statusBoard, journal: journal, writer: writer, syringes: loaded.syringes, library: loaded.library,
            libraryPath: configuration.drugLibrary, ownUID: getuid())
        let server = ControlServer(listener: listener, dispatcher: dispatcher, limits: configuration.clients, gauges: gauges, log: log)
        let supervisor = Supervisor(heartbeat: loop.heartbeat, gauges: gauges, disableMotor: { release() }, log: log)

        for note in restoration.notes { log("restore: \(note)") }
        writer.recordDaemon("daemon_started", "hardware \(configuration.hardware.name); " + restoration.notes.joined(separator: "; "))
        writer.recordActiveAtStart(restoration.controller.alarms.active)
        let daemon = Daemon(gauges: gauges, journalWriter: writer, server: server, post: post, log: log)
        // With the real-time set-up the loop gets a CPU to itself and the other threads keep off
        // it: the journal's fsyncs then complete elsewhere (RealTimeSetup.loopCPU).
        daemon.spawn("infusiond-loop") { loop.run(realTime: realTime, cpu: loopCPU, log: log) }
        daemon.spawn("infusiond-supervisor", keepingOff: loopCPU) { supervisor.run() }
        daemon.spawn("infusiond-journal", keepingOff: loopCPU) { writer.run() }
        daemon.spawn("infusiond-socket", keepingOff: loopCPU) { server.run() }
        return daemon
    }

    init(
        gauges: LoopGauges, journalWriter: JournalWriter, server: ControlServer, post: @escaping @Sendable (LoopRequest) -> LoopReply?,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.gauges = gauges
        self.journalWriter = journalWriter
        self.server = server
        self.post = post
        self.log = log
    }

    private func spawn(_ name: String, keepingOff cpu: Int32? = nil, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            // The kernel's name for the thread too (`ps -L`, `top -H`, /proc/PID/task/*/comm),
            // at most 15 bytes.
            _ = cposix_name_thread(name)
            if let cpu { RealTimeSetup.keepOff(cpu) }
            body()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        threads.append(thread)
        thread.start()
    }

    /// SIGTERM and SIGINT: stop the pump, then the threads, then flush the journal. An infusion
    /// under way is stopped and saved as under way, so the next start raises
    /// restarted_during_infusion rather than look like a clean finish.
    public func shutdown() {
        let wasInfusing: Bool
        switch post(.stopForShutdown) {
        case .progress(let saved)?:
            wasInfusing = saved.wasInfusing
            journalWriter.finalProgress.withLock { $0 = saved }
        default:
            wasInfusing = false
            log(SystemLog.marked(.error, "shutdown: the loop did not answer; stopping it disables the motor"))
        }
        server.stopRequested.store(true, ordering: .releasing)
        gauges.stopRequested.store(true, ordering: .releasing)
        while !gauges.finished.load(ordering: .acquiring) { usleep(1_000) }
        afterStop()
        // The journal thread sees `finished` and flushes; wait for every thread to end.
        while threads.contains(where: { !$0.isFinished }) { usleep(1_000) }
        journalWriter.recordDaemon("daemon_stopped", wasInfusing ? "stopped during an infusion" : "stopped")
    }
}
