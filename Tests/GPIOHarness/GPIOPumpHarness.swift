import ArgumentParser
import Foundation
import GPIOPump
import InfusionCore
import PumpHardware
import PumpSimulator

/// `gpiopump-harness`: the GPIO backend (`GPIOStepperPump` over `LibGPIODLines`) and the control
/// core in a 1 kHz real-time loop, as the daemon will run them. The kernel stage runs it in a
/// qemu guest on a gpio-sim chip laid out like the reference board and checks it from outside
/// (docs/testing.md, "The GPIO path in the kernel").
///
/// Takes `start`, `pause`, `resume` and `quit` on stdin; prints ``HarnessReport`` lines.
@main
struct GPIOPumpHarness: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gpiopump-harness")

    @Option(help: "The pin map.") var pinmap = "hardware/pinmap.toml"
    @Option(help: "The syringe table.") var syringes = "hardware/syringes.toml"
    @Option(help: "The drug library.") var library = "config/drug-library.toml"
    @Option(help: "STEP high and low time in ns, replacing the map's, so sysfs sampling can see each pulse.")
    var stepPulseNs: Int64?
    @Flag(help: "Answer DOUT from the simulator's HX711 model (gpio-sim cannot answer a clock).")
    var modelledHX711 = false
    @Option(help: "Ketamine dose in mg/kg/h (2 mg/mL, 70 kg).") var dose = 0.35

    func run() throws {
        var map = try PinMapParser.parse(try String(contentsOfFile: pinmap, encoding: .utf8), file: pinmap)
        if let stepPulseNs {
            map.stepper.highNanoseconds = stepPulseNs
            map.stepper.lowNanoseconds = stepPulseNs
        }
        let syringe = try SyringeTable(toml: try String(contentsOfFile: syringes, encoding: .utf8)).syringe(named: "BD Plastipak 50 mL")
        let drugs = try DrugLibraryParser.parse(try String(contentsOfFile: library, encoding: .utf8))
        let start = MonotonicClock.now()
        let kernel: LibGPIODLines
        do {
            kernel = try LibGPIODLines(map: map, consumer: "gpiopump-harness")
        } catch {
            FileHandle.standardError.write(Data("gpiopump-harness: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let model = modelledHX711 ? SimulatedHX711(calibration: map.forceSensor, startingAt: start) : nil
        var loop = HarnessLoop(
            device: try GPIOStepperPump(lines: HarnessLines(kernel: kernel, hx711: model), map: map, at: start),
            controller: InfusionController(settings: ControllerSettings(encoderFitted: map.encoderFitted), startingAt: start),
            syringe: syringe, library: drugs, dose: dose, start: start)
        var taken = HarnessReport("lines_taken", at: start.nanoseconds)
        (taken.lineWriteNanoseconds, taken.lineReadNanoseconds) = try Self.lineCosts(kernel)
        taken.print()
        loop.run()
    }

    /// Times libgpiod itself: 1 000 writes of the buzzer's present level (off, so nothing is
    /// heard) and 1 000 reads of the clamp. Each is one ioctl on the line's file descriptor.
    static func lineCosts(_ lines: LibGPIODLines) throws -> (write: Int64, read: Int64) {
        let writesFrom = MonotonicClock.now()
        for _ in 0..<1_000 { try lines.set(.buzzer, false) }
        let readsFrom = MonotonicClock.now()
        for _ in 0..<1_000 { _ = try lines.get(.clamp) }
        let end = MonotonicClock.now()
        return ((readsFrom - writesFrom).nanoseconds / 1_000, (end - readsFrom).nanoseconds / 1_000)
    }
}
