import CPosixShims
import Foundation
import Glibc
import InfusionCore
import PumpHardware

/// `pumpsim serve`: the emulated NE-1000 on a pseudo-terminal, in real time, with a control
/// socket for faults.
///
/// One thread, one `poll` loop: bytes from the pty are timed and decoded as the pump's UART
/// would, the emulator runs on the monotonic clock, and each reply leaves when the wire would
/// have delivered it: a pty moves bytes instantly, so the server holds a reply back by the time
/// the request and the reply take at the configured baud (10 bits a byte, 8N1). Round trips
/// measured through it are then those of a real 19 200-baud line, plus the host's own latency.
public final class NE1000Server {
    public struct Options: Sendable {
        public var linkPath: String
        public var controlPath: String
        public var address: Int
        public var baud: Int
        public var syringe: SyringeSpec
        public var fluid: Millilitres

        public init(linkPath: String, controlPath: String, address: Int, baud: Int, syringe: SyringeSpec, fluid: Millilitres) {
            self.linkPath = linkPath
            self.controlPath = controlPath
            self.address = address
            self.baud = baud
            self.syringe = syringe
            self.fluid = fluid
        }
    }

    private let options: Options
    private var emulator: NE1000Emulator
    private var decoder = NE1000RequestDecoder()
    private var terminal: PseudoTerminal?
    private var control: ControlChannel
    private var outgoing: [(due: ControlInstant, bytes: [UInt8])] = []
    private let started: ControlInstant
    private var silenced = false
    private var delay = ControlDuration.zero
    /// Safe-mode replies still to go out with a wrong CRC.
    private var badCRCsLeft = 0
    private var requestsAnswered = 0
    private var pendingRequestBytes = 0

    public init(options: Options) throws {
        self.options = options
        var physics = SimulatedPump()
        physics.load(options.syringe, fluid: options.fluid)
        started = MonotonicClock.now()
        emulator = NE1000Emulator(
            address: options.address, pump: physics, diameter: options.syringe.innerDiameterMillimetres, startingAt: started)
        terminal = try PseudoTerminal(linkedAt: options.linkPath)
        control = try ControlChannel(listeningAt: options.controlPath)
    }

    deinit {
        terminal?.close()
        control.close()
    }

    /// Serves until `shouldStop` says so (checked at least every 2 ms).
    public func run(until shouldStop: () -> Bool) {
        var buffer = [UInt8](repeating: 0, count: 512)
        while !shouldStop() {
            var fds = control.pollDescriptors
            if let terminal { fds.append(pollfd(fd: terminal.controller, events: Int16(POLLIN), revents: 0)) }
            _ = poll(&fds, nfds_t(fds.count), 2)
            let now = MonotonicClock.now()
            for entry in fds where entry.revents != 0 {
                if entry.fd == terminal?.controller {
                    let count = read(entry.fd, &buffer, buffer.count)
                    if count > 0 { receive(buffer[0..<count], at: now) }
                } else {
                    control.serve(entry.fd) { perform($0, at: now) }
                }
            }
            if let unsolicited = emulator.advance(to: now) { enqueue(unsolicited, requestBytes: 0, at: now) }
            flush(at: now)
        }
    }

    private func receive(_ bytes: ArraySlice<UInt8>, at now: ControlInstant) {
        for byte in bytes {
            pendingRequestBytes += 1
            guard let request = decoder.feed(byte, at: now) else { continue }
            let requestBytes = pendingRequestBytes
            pendingRequestBytes = 0
            if let reply = emulator.receive(request, at: now) {
                requestsAnswered += 1
                enqueue(reply, requestBytes: requestBytes, at: now)
            }
        }
    }

    /// Queues `bytes` to leave when a line at the configured baud would have carried the request
    /// in and the reply out.
    private func enqueue(_ bytes: [UInt8], requestBytes: Int, at now: ControlInstant) {
        let wire = ControlDuration(nanoseconds: Int64((requestBytes + bytes.count) * 10) * 1_000_000_000 / Int64(options.baud))
        var bytes = bytes
        // A safe packet ends CRC high, CRC low, ETX: the low byte is flipped.
        if badCRCsLeft > 0, bytes.first == NE1000Framing.startOfText, bytes.count >= 4 {
            badCRCsLeft -= 1
            bytes[bytes.count - 2] ^= 0xFF
        }
        outgoing.append((now + wire + delay, bytes))
    }

    private func flush(at now: ControlInstant) {
        while let first = outgoing.first, first.due <= now {
            outgoing.removeFirst()
            if !silenced, let terminal { _ = first.bytes.withUnsafeBytes { write(terminal.controller, $0.baseAddress, $0.count) } }
        }
    }

    // MARK: - Control channel

    private func perform(_ line: String, at now: ControlInstant) -> String {
        let command: LinkFaultCommand
        switch LinkFaultCommand.parse(line) {
        case .success(let parsed): command = parsed
        case .failure(let error): return "error: \(error)"
        }
        switch command {
        case .occlusion(let on): emulator.pump.line.occluded = on
        case .stall(let on): emulator.pump.faults.motorStalled = on
        case .empty(let millilitres): emulator.pump.leaveFluid(Millilitres(millilitres))
        case .silence(let on): silenced = on
        case .delay(let milliseconds): delay = .milliseconds(Int64(milliseconds))
        case .badCRC(let count): badCRCsLeft = count
        case .garbage(let count):
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if let terminal { _ = bytes.withUnsafeBytes { write(terminal.controller, $0.baseAddress, $0.count) } }
        case .disconnect:
            terminal?.close()
            terminal = nil
            outgoing.removeAll()
        case .reconnect:
            guard terminal == nil else { return "error: reconnect: the port is connected" }
            do { terminal = try PseudoTerminal(linkedAt: options.linkPath) } catch { return "error: reconnect: \(error)" }
        case .status:
            return statusJSON(at: now)
        }
        return "ok"
    }

    private func statusJSON(at now: ControlInstant) -> String {
        let status = NE1000ServerStatus(
            address: emulator.address, prompt: String(emulator.prompt.rawValue), diameterMillimetres: emulator.diameter,
            rate: emulator.rate, rateUnits: emulator.rateUnits.rawValue, safeModeTimeoutSeconds: emulator.safeModeTimeout,
            dispensedInfusedMillilitres: emulator.dispensed(.infuse).value,
            infusedSinceStartMillilitres: emulator.infusedSinceStart.value,
            deliveredToPatientMillilitres: emulator.pump.deliveredToPatient.value,
            pressureMillimetresOfMercury: emulator.pump.line.pressure,
            alarms: emulator.alarmLog.map {
                .init(alarm: "A?\($0.0.rawValue)", atSeconds: Double(($0.1 - started).nanoseconds) / 1e9)
            },
            requestsAnswered: requestsAnswered, connected: terminal != nil, silenced: silenced,
            delayMilliseconds: Int(delay.nanoseconds / 1_000_000))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(status) else { return "error: status could not be encoded" }
        return String(decoding: data, as: UTF8.self)
    }
}
