import CPosixShims
import Foundation
import InfusionCore
import PumpHardware
import SerialPump
import Synchronization

/// The pulse oximeter's reader thread (issue 17): it owns the serial port, cuts the stream into
/// lines, reads each with ``MasimoASCIIParser`` and leaves the latest in a mailbox, stamped on
/// CLOCK_MONOTONIC. The loop only tries the mailbox's lock and keeps what it had when the thread
/// holds it: it gets a value with its age and quality, never a blocking read.
///
/// The oximeter is not what delivery depends on, so a port missing or lost never keeps the
/// daemon down: the thread opens it, and opens it again after losing it, every two seconds;
/// meanwhile the values age out and the interlock calls the source lost.
public final class OximeterReader: Sendable {
    /// What the loop takes each period.
    public struct Latest: Hashable, Sendable {
        /// The last well-formed line and when it arrived (CLOCK_MONOTONIC ns), if any yet.
        public var line: MasimoASCIILine?
        public var lineAt: Int64 = 0
        /// Lines that were not the protocol, or said what no oximeter reports.
        public var malformedLines: Int64 = 0
        public var outOfRangeLines: Int64 = 0
        /// The last line's clock has not moved for three lines: the device repeats a stale line.
        public var clockFrozen = false
        public var portOpen = false

        public init() {}
    }

    let mailbox = Mutex(Latest())
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    public let portName: String

    /// Starts the thread. `threadSetUp` runs first on it (the daemon keeps it off the loop's CPU).
    public init(
        portName: String, baud: Int, threadSetUp: @escaping @Sendable () -> Void = {}, log: @escaping @Sendable (String) -> Void
    ) {
        self.portName = portName
        let thread = Thread { [self] in
            _ = cposix_name_thread("oximeter")
            threadSetUp()
            serve(baud: baud, log: log)
            finished.store(true, ordering: .releasing)
        }
        thread.name = "oximeter"
        thread.start()
    }

    /// The latest, or nil when the reader holds the lock this instant (the caller keeps its own).
    public func latestIfAvailable() -> Latest? { mailbox.withLockIfAvailable { $0 } }

    public func shutdown(waitingAtMost limit: Duration = .seconds(2)) {
        stopping.store(true, ordering: .releasing)
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while !finished.load(ordering: .acquiring), clock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
    }

    private func serve(baud: Int, log: @Sendable (String) -> Void) {
        var link: LibSerialPortLink?
        var splitter = OximeterLineSplitter()
        var clockWatch = DeviceClockWatch()
        var buffer = [UInt8](repeating: 0, count: 256)
        var lastAttempt = Int64.min / 2
        var lastFailure = ""
        while !stopping.load(ordering: .acquiring) {
            guard let open = link else {
                let now = MonotonicClock.now().nanoseconds
                guard now - lastAttempt >= 2_000_000_000 else {
                    Thread.sleep(forTimeInterval: 0.05)
                    continue
                }
                lastAttempt = now
                do {
                    link = try LibSerialPortLink(name: portName, baud: baud)
                    splitter = OximeterLineSplitter()
                    mailbox.withLock { $0.portOpen = true }
                    log("oximeter: reading \(portName) at \(baud) baud")
                    lastFailure = ""
                } catch {
                    // Said once, not every two seconds.
                    if error.description != lastFailure { log("oximeter: \(error); trying again every 2 s") }
                    lastFailure = error.description
                }
                continue
            }
            let count: Int
            do {
                count = try open.read(into: &buffer, timeoutMilliseconds: 200)
            } catch {
                log("oximeter: \(error); the port is closed and opened again")
                link = nil
                mailbox.withLock { $0.portOpen = false }
                continue
            }
            for byte in buffer[0..<count] {
                guard let output = splitter.feed(byte) else { continue }
                let arrived = MonotonicClock.now().nanoseconds
                switch output {
                case .overlong:
                    mailbox.withLock { $0.malformedLines += 1 }
                case .line(let text):
                    do {
                        let (line, deviceSecond) = try MasimoASCIIParser.parseStamped(text)
                        let frozen = clockWatch.frozen(at: deviceSecond)
                        mailbox.withLock {
                            $0.line = line
                            $0.lineAt = arrived
                            $0.clockFrozen = frozen
                        }
                    } catch {
                        // A blank line between two good ones is not noise worth counting.
                        guard !text.isEmpty else { continue }
                        mailbox.withLock {
                            if case .outOfRange = error { $0.outOfRangeLines += 1 } else { $0.malformedLines += 1 }
                        }
                    }
                }
            }
        }
    }
}
