import ArgumentParser
import Foundation
import Glibc
import InfusionCore
import PumpSimulator

/// `pumpsim serve`: be an NE-1000 on a pseudo-terminal until SIGINT or SIGTERM.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer as an NE-1000 pump on a pseudo-terminal linked at --link, in real time.",
        discussion: """
            Faults are injected through the control socket (--control, default LINK.control), one \
            command per line: occlusion on|off, stall on|off, empty [ML], silence on|off, \
            garbage N, delay MS, disconnect, reconnect, status. See docs/simulator.md.
            """)

    enum PumpProtocol: String, ExpressibleByArgument { case ne1000 }

    @Option(name: .customLong("protocol"), help: "The pump protocol to speak (ne1000).")
    var pumpProtocol: PumpProtocol = .ne1000

    @Option(help: "Where to link the pump's serial port.")
    var link: String

    @Option(help: "The socket for fault injection and status (default: LINK.control).")
    var control: String?

    @Option(help: "The pump's network address, 0–99.")
    var address = 0

    @Option(help: "Baud rate whose timing the replies keep: 300, 1200, 2400, 9600 or 19200.")
    var baud = 19_200

    @Option(help: "The syringe in the clamp, by its name in the syringe table.")
    var syringe = "BD Plastipak 50 mL"

    @Option(help: "Fluid in the syringe, in mL (default: its usable volume).")
    var fill: Double?

    @OptionGroup var files: SharedOptions

    func validate() throws {
        guard (0...99).contains(address) else { throw ValidationError("--address must be 0–99, got \(address)") }
        guard [300, 1_200, 2_400, 9_600, 19_200].contains(baud) else {
            throw ValidationError("--baud must be 300, 1200, 2400, 9600 or 19200, got \(baud)")
        }
        if let fill, !(fill > 0) { throw ValidationError("--fill must be above 0 mL, got \(fill)") }
    }

    func run() throws {
        let spec: SyringeSpec
        do {
            spec = try files.loadSyringes().syringe(named: syringe)
        } catch let failure as InputFailure {
            throw failInput(failure)
        } catch {
            throw failInput(InputFailure("\(error)"))
        }
        let fluid = Millilitres(fill ?? spec.usableVolume.value)
        guard fluid <= spec.usableVolume else {
            throw failInput(InputFailure("--fill \(fluid) is more than \(spec.name) holds (\(spec.usableVolume))"))
        }
        // Signals are taken synchronously: blocked here, noticed by the serve loop between polls.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        let controlPath = control ?? link + ".control"
        let server: NE1000Server
        do {
            server = try NE1000Server(
                options: .init(linkPath: link, controlPath: controlPath, address: address, baud: baud, syringe: spec, fluid: fluid))
        } catch {
            throw failInput(InputFailure("\(error)"))
        }
        let banner = "pumpsim: NE-1000 at address \(address) on \(link), \(baud) baud, \(spec.name) holding \(fluid); control \(controlPath)\n"
        FileHandle.standardOutput.write(Data(banner.utf8))
        server.run {
            var pending = sigset_t()
            sigpending(&pending)
            return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1
        }
    }
}
