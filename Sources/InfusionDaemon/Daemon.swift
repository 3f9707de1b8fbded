import ControlProtocol
import Foundation
import Glibc
import InfusionCore
import Journal
import PumpHardware
import SerialPump

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
    public static func start(
        _ loaded: LoadedConfiguration, realTime: Bool, log: @escaping @Sendable (String) -> Void
    ) throws(StartupError) -> Daemon {
        let configuration = loaded.configuration
        var settings = ControllerSettings(pausedCallBack: configuration.pausedCallBack)
        switch configuration.hardware {
        case .simulator(let scale, let fill):
            return try start(
                loaded, settings: settings, scale: scale, writeAhead: WriteAhead(), release: .nothingToRelease, realTime: realTime, log: log
            ) { _ in
                SimulatorDevice(fill: fill)
            }
        case .ne1000(let port, let serial):
            // A smart pump has no encoder the loop reads; its own count (DIS) is the cross-check.
            settings.encoderFitted = false
            let driver = try HardwareStartup.openNE1000(port: port, settings: serial, log: log)
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
            guard let map = loaded.pinMap else { throw StartupError("hardware.pin_map: the pin map was not loaded") }
            settings.encoderFitted = map.encoderFitted
            let lines = try HardwareStartup.openLines(map)
            return try start(
                loaded, settings: settings, scale: 1, writeAhead: WriteAhead(), release: .enableLine(of: lines), realTime: realTime, log: log
            ) {
                clock throws(StartupError) in
                do {
                    return try GPIOBoardDevice(lines: lines, map: map, clock: clock)
                } catch {
                    throw StartupError("hardware.pin_map: taking the lines over: \(error)")
                }
            }
        }
    }

    static func start<Device: DaemonDevice & Sendable>(
        _ loaded: LoadedConfiguration, settings: ControllerSettings, scale: Double, writeAhead: WriteAhead, release: MotorRelease,
        realTime: Bool,
        log: @escaping @Sendable (String) -> Void, device makeDevice: (LoopClock) throws(StartupError) -> Device
    ) throws(StartupError) -> Daemon {
        let configuration = loaded.configuration
        let opening: JournalOpening
        do {
            try FileManager.default.createDirectory(
                atPath: (configuration.journal as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            opening = try JournalOpening.open(at: configuration.journal, suffix: String(Int(Date().timeIntervalSince1970)))
        } catch let error as JournalError {
            throw StartupError("paths.journal: \(configuration.journal): \(error)")
        } catch {
            throw StartupError("paths.journal: \(configuration.journal): \(error)")
        }
        let journal = opening.journal
        let validator = ProgramValidator(library: loaded.library, mechanics: settings.mechanics)
        let clock: LoopClock
        var restoration: Restoration
        do {
            clock = LoopClock(persisted: try journal.lastControlNanoseconds(), monotonicNow: MonotonicClock.now().nanoseconds, scale: scale)
            let now = clock.control(atMonotonic: MonotonicClock.now().nanoseconds)
            restoration = try Restoration.restore(from: journal, settings: settings, validator: validator, syringes: loaded.syringes, at: now)
            if case .movedAside(_, let kept, let reason) = opening {
                restoration.controller.raiseAtStart(.journalFailure, at: now)
                restoration.notes.append("the journal could not be read (\(reason)); it is kept at \(kept) and a new one begun: totals unknown, journal_failure raised")
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
        let loop = ControlLoop(
            controller: restoration.controller, device: device, clock: clock, validator: validator, progress: restoration.progress,
            gauges: gauges)
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
        let daemon = Daemon(gauges: gauges, journalWriter: writer, server: server, post: post, log: log)
        // With the real-time set-up the loop gets a CPU to itself and the other threads keep off
        // it: the journal's fsyncs then complete elsewhere (RealTimeSetup.loopCPU).
        let loopCPU = realTime ? RealTimeSetup.loopCPU : nil
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
        case .progress(let saved)?: wasInfusing = saved.wasInfusing
        default:
            wasInfusing = false
            log("shutdown: the loop did not answer; stopping it disables the motor")
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
