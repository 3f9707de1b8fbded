import Foundation
import GPIOPump
import PumpHardware
import Testing

/// libgpiod on a machine without the chips the map names: a clear error naming chip and line,
/// and the backend does not start (GPIO-004). The real chip is exercised under qemu with
/// gpio-sim (docs/testing.md).
@Suite("libgpiod backend")
struct LibGPIODTests {
    static var machineHasGPIO: Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).contains { $0.hasPrefix("gpiochip") }
    }

    @Test("a chip that does not exist is refused, naming the field, the chip and what the machine has")
    func absentChipIsRefused() throws {
        let map = try GPIORig.referenceMap().movingAllLines(to: "gpiochip-infusiond-absent")
        let error = #expect(throws: PinMapError.self) { _ = try LibGPIODLines(map: map) }
        #expect(error?.field == "lines.step")
        #expect(error?.reason.contains("no GPIO chip \"gpiochip-infusiond-absent\"") == true, "\(error?.description ?? "")")
    }

    @Test("on this machine, with no GPIO chip at all, the reference map fails with that error", .enabled(if: !machineHasGPIO))
    func noGPIOHere() throws {
        let error = #expect(throws: PinMapError.self) { _ = try LibGPIODLines(map: try GPIORig.referenceMap()) }
        #expect(error?.description.contains("no GPIO chip \"pinctrl-bcm2711\"") == true)
        #expect(error?.description.contains("this machine has no GPIO chip") == true, "\(error?.description ?? "")")
        print("libgpiod on this machine: \(error?.description ?? "no error")")
    }
}
