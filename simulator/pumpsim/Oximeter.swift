import ArgumentParser
import Foundation
import Glibc
import PumpSimulator

/// `pumpsim oximeter`: be a Masimo SET pulse oximeter's serial output on a pseudo-terminal until
/// SIGINT or SIGTERM (issue 17).
struct Oximeter: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a Masimo ASCII 1 line a second on a pseudo-terminal linked at --link, as a Rad-8 on a finger does.",
        discussion: """
            The patient's values and the bedside's faults are set through the control socket (--control, \
            default LINK.control), one command per line: spo2 N, hr N, sensor off|on, motion on|off, \
            silence on|off, garbage N, status. See docs/simulator.md.
            """)

    @Option(help: "Where to link the oximeter's serial port.") var link: String
    @Option(help: "The socket for values, faults and status (default: LINK.control).") var control: String?
    @Option(help: "SpO2 at the start, %.") var spo2 = 97
    @Option(help: "Pulse rate at the start, beats a minute.") var hr = 72

    func validate() throws {
        guard (0...100).contains(spo2) else { throw ValidationError("--spo2 must be 0–100, got \(spo2)") }
        guard (0...300).contains(hr) else { throw ValidationError("--hr must be 0–300, got \(hr)") }
    }

    func run() throws {
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        var patient = SimulatedOximeter()
        patient.spo2 = spo2
        patient.pulseRate = hr
        let controlPath = control ?? link + ".control"
        let server: OximeterServer
        do {
            server = try OximeterServer(linkPath: link, controlPath: controlPath, oximeter: patient)
        } catch {
            throw failInput(InputFailure("\(error)"))
        }
        FileHandle.standardOutput.write(Data("pumpsim: Masimo ASCII 1 oximeter on \(link), SpO2 \(spo2) %, pulse \(hr)/min; control \(controlPath)\n".utf8))
        server.run {
            var pending = sigset_t()
            sigpending(&pending)
            return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1
        }
    }
}
