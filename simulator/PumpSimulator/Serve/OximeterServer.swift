import Foundation
import Glibc
import InfusionCore
import PumpHardware

/// `pumpsim oximeter`: a Masimo SET oximeter's serial output on a pseudo-terminal, one ASCII 1
/// line a second in real time (``SimulatedOximeter``), with a control socket that sets the
/// patient's values and injects the bedside's faults, one command a line:
///
/// - `spo2 N` (0–100), `hr N` (0–300): the values the finger shows;
/// - `sensor off|on`: the probe off the finger (`---`, EXC sensor off);
/// - `motion on|off`: interference — values wander, EXC says so;
/// - `silence on|off`: no line at all (the cable out);
/// - `garbage N`: N random bytes down the line now;
/// - `status`: one JSON line with the values and the lines sent.
public final class OximeterServer {
    private var oximeter: SimulatedOximeter
    private var terminal: PseudoTerminal
    private var control: ControlChannel
    private let started = MonotonicClock.now()
    private var linesSent = 0
    private var generator = SystemRandomNumberGenerator()

    public init(linkPath: String, controlPath: String, oximeter: SimulatedOximeter) throws {
        self.oximeter = oximeter
        terminal = try PseudoTerminal(linkedAt: linkPath)
        control = try ControlChannel(listeningAt: controlPath)
    }

    deinit {
        terminal.close()
        control.close()
    }

    /// Serves until `shouldStop` says so (checked at least every 20 ms).
    public func run(until shouldStop: () -> Bool) {
        var nextLine = started
        var drain = [UInt8](repeating: 0, count: 256)
        while !shouldStop() {
            var fds = control.pollDescriptors
            fds.append(pollfd(fd: terminal.controller, events: Int16(POLLIN), revents: 0))
            _ = poll(&fds, nfds_t(fds.count), 20)
            for entry in fds where entry.revents != 0 {
                if entry.fd == terminal.controller {
                    // An oximeter's output is one way: whatever the host sends is dropped.
                    _ = read(entry.fd, &drain, drain.count)
                } else {
                    control.serve(entry.fd) { perform($0) }
                }
            }
            let now = MonotonicClock.now()
            if now >= nextLine {
                let second = (now - started).nanoseconds / 1_000_000_000
                let jitter = oximeter.interference ? Int.random(in: -6...6, using: &generator) : 0
                if let line = oximeter.line(second: second, jitter: jitter) { send(Array((line + "\r\n").utf8)) }
                nextLine = nextLine + .seconds(1)
            }
        }
    }

    private func send(_ bytes: [UInt8]) {
        linesSent += 1
        _ = bytes.withUnsafeBytes { write(terminal.controller, $0.baseAddress, $0.count) }
    }

    private func perform(_ line: String) -> String {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first, words.count <= 2 else { return "error: one command and at most one argument a line" }
        let argument = words.count == 2 ? words[1] : nil
        func number(_ range: ClosedRange<Int>) -> Int? { argument.flatMap(Int.init).flatMap { range.contains($0) ? $0 : nil } }
        func flag() -> Bool? { argument == "on" ? true : argument == "off" ? false : nil }
        switch verb {
        case "spo2":
            guard let value = number(0...100) else { return "error: spo2: expected 0…100" }
            oximeter.spo2 = value
        case "hr":
            guard let value = number(0...300) else { return "error: hr: expected 0…300" }
            oximeter.pulseRate = value
        case "sensor":
            guard let on = flag() else { return "error: sensor: expected on or off" }
            oximeter.sensorOff = !on
        case "motion":
            guard let on = flag() else { return "error: motion: expected on or off" }
            oximeter.interference = on
        case "silence":
            guard let on = flag() else { return "error: silence: expected on or off" }
            oximeter.silent = on
        case "garbage":
            guard let count = number(1...4_096) else { return "error: garbage: expected a byte count, 1…4096" }
            send((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
        case "status":
            return "{\"hr\":\(oximeter.pulseRate),\"lines_sent\":\(linesSent),\"motion\":\(oximeter.interference),\"sensor_off\":\(oximeter.sensorOff),\"silent\":\(oximeter.silent),\"spo2\":\(oximeter.spo2)}"
        default:
            return "error: unknown command \(verb.debugDescription); expected spo2, hr, sensor, motion, silence, garbage or status"
        }
        return "ok"
    }
}
