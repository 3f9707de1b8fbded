import CPosixShims
import Foundation
import InfusionCore
import PumpHardware
import Synchronization

/// The NE-1000 driver's thread: it owns the port and the ``NE1000Session``, takes the loop's
/// wishes from a mailbox and leaves the pump's report in it.
///
/// The loop never waits on it: ``SerialPumpDevice`` only tries the mailbox's lock and keeps its
/// previous values when the driver holds it (DESIGN.md section 3: fixed buffers between threads).
public final class SerialPumpDriver: Sendable {
    package struct Mailbox {
        package var target = PumpTarget.stopped
        package var commanded: Int64 = 0
        package var report: SmartPumpReport?
        package var linkHealthy = false
        var stopping = false
        var finished = false
    }

    package let mailbox = Mutex(Mailbox())
    public let portName: String
    public let settings: SerialPumpSettings
    private let log: @Sendable (SerialPumpEvent) -> Void

    /// Opens the port now, so a missing or busy port is an error at start, naming it.
    /// `threadSetUp` runs first on the driver's own thread: the daemon keeps it off the loop's CPU
    /// there, as it does its other threads.
    public init(
        portName: String, settings: SerialPumpSettings, threadSetUp: @escaping @Sendable () -> Void = {},
        log: @escaping @Sendable (SerialPumpEvent) -> Void
    ) throws(LibSerialPortLink.Failure) {
        self.portName = portName
        self.settings = settings
        self.log = log
        let link = try LibSerialPortLink(name: portName, baud: settings.baud)
        let thread = Thread { [self] in
            _ = cposix_name_thread("ne1000-driver")
            threadSetUp()
            self.serve(link)
        }
        thread.name = "ne1000-driver"
        thread.start()
    }

    /// A driver with no port and no thread: only the mailbox the loop's side meets. The tick
    /// benchmark plays the driver's part through it, so the NE-1000 period is measured without
    /// a serial line (whose round trip is the line's, benchmarked apart).
    package init(mailboxOnly settings: SerialPumpSettings) {
        self.portName = "(none)"
        self.settings = settings
        self.log = { _ in }
    }

    /// Tells the driver thread to stop the pump now, whatever the loop last asked: the supervisor's
    /// call when the loop has stalled. The loop's next `apply` overwrites it, by which time the
    /// loop has seen `loop_overrun` and asks for the stop itself.
    public func stopNow() {
        mailbox.withLock { $0.target = .stopped }
    }

    /// Whether the pump has answered its handshake and the link is up: the daemon waits for this
    /// before it takes clients, so a healthy pump does not start with `pump_link_lost`.
    public var linkHealthy: Bool { mailbox.withLock { $0.linkHealthy } }

    /// Stops the pump (two `STP`s) and ends the thread; returns once it has.
    public func shutdown(waitingAtMost limit: Duration = .seconds(2)) {
        mailbox.withLock { $0.stopping = true }
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while !mailbox.withLock({ $0.finished }), clock.now < deadline { Thread.sleep(forTimeInterval: 0.002) }
    }

    private func serve(_ initialLink: LibSerialPortLink) {
        var link: LibSerialPortLink? = initialLink
        var session = NE1000Session(settings: settings)
        var decoder = NE1000ReplyDecoder(mode: .either)
        var buffer = [UInt8](repeating: 0, count: 256)
        var confirmedSteps: Int64 = 0
        var lastConfirmed = 0.0
        var lastReading: UInt64 = 0
        var stepsPerMillilitre = 1.0
        var nextReopen = MonotonicClock.now()

        while true {
            let (target, commanded, stopping) = mailbox.withLock { ($0.target, $0.commanded, $0.stopping) }
            if stopping { break }
            if target.diameter > 0 {
                stepsPerMillilitre = settings.mechanics.stepsPerMillilitre(forDiameter: target.diameter)
            }
            // The loop's volume limit counts from its own count; the pump trails it by the
            // command latency, so its target is the limit plus that lead: the pump then stops
            // where the loop's count would, never past what the caps allow.
            var adjusted = target
            adjusted.volumeLimit += Double(max(0, commanded - confirmedSteps)) / stepsPerMillilitre
            session.update(adjusted)
            var now = MonotonicClock.now()
            if let open = link {
                do {
                    if let outgoing = session.nextRequest(at: now, commanded: commanded) {
                        try open.write(outgoing.bytes)
                    }
                    decoder.mode = session.replyMode
                    let count = try open.read(into: &buffer, timeoutMilliseconds: 5)
                    now = MonotonicClock.now()
                    let commandedNow = mailbox.withLock { $0.commanded }
                    for byte in buffer[0..<count] {
                        if let incoming = decoder.feed(byte) { session.receive(incoming, at: now, commanded: commandedNow) }
                    }
                } catch {
                    session.portFailed(error.description, at: now)
                    link = nil
                    decoder.reset()
                    nextReopen = now + .milliseconds(500)
                }
            } else if now >= nextReopen {
                if let reopened = try? LibSerialPortLink(name: portName, baud: settings.baud) {
                    link = reopened
                    session.linkReopened(at: now)
                } else {
                    nextReopen = now + .milliseconds(500)
                }
            } else {
                Thread.sleep(forTimeInterval: 0.005)
            }
            session.checkTimeout(at: MonotonicClock.now())

            if session.reading != lastReading {
                lastReading = session.reading
                confirmedSteps &+= Int64(saturating: (session.confirmedMillilitres - lastConfirmed) * stepsPerMillilitre)
                lastConfirmed = session.confirmedMillilitres
            }
            let report = SmartPumpReport(
                reading: session.reading, confirmedSteps: confirmedSteps,
                commandedAtRequest: session.readingWindow.request, commandedAtReply: session.readingWindow.reply,
                resolutionSteps: Int64(saturating: session.resolutionMillilitres * stepsPerMillilitre, rounding: .up),
                unconfirmedSteps: Int64(saturating: session.unconfirmedMillilitres(at: MonotonicClock.now()) * stepsPerMillilitre, rounding: .up),
                stalled: session.stalled, pumpStopped: session.readingStopped, standstillSteps: session.standstillSteps)
            let healthy = session.handshakeDone && (session.fault.map { $0.alarm != .pumpLinkLost } ?? true)
            mailbox.withLock {
                $0.report = report
                $0.linkHealthy = healthy
            }
            for event in session.drainEvents() { log(event) }
        }
        // Leaving: the pump is told to stop, twice, whatever the loop last wanted.
        if let link {
            for attempt in 1...2 {
                let text = "\(settings.address)STP"
                let bytes = session.safeMode && session.handshakeDone ? NE1000Framing.safe(text) ?? [] : NE1000Framing.basic(text)
                let sent = (try? link.write(bytes)) != nil
                let answered = sent && ((try? link.read(into: &buffer, timeoutMilliseconds: 150)) ?? 0) > 0
                log(SerialPumpEvent(at: MonotonicClock.now(), message: "shutdown STP \(attempt) of 2: \(answered ? "answered" : "no answer")"))
            }
        }
        mailbox.withLock { $0.finished = true }
    }
}
