import Foundation

/// The gpio-sim bank seen from outside, as a person with a probe and a switch would: each line's
/// level and pull under /sys/devices/platform/gpio-sim.N/gpiochipM/sim_gpioK/.
///
/// Reading `value` gives what the line carries: an output's driven level, or an input's pull.
/// Writing `pull` is closing or opening a contact; on a requested input with edge detection the
/// kernel then reports the edge, stamped, as it would from a real pin. A released line returns to
/// its pull, which is how a killed process leaves EN to the board's pull-up.
final class SimulatedChip: @unchecked Sendable {
    let directory: String
    /// Open once: the step watcher reads in a tight loop. Never changed after `init`.
    private let values: [Int32]
    private let pulls: [Int32]

    init(lines: Int) throws {
        let platform = "/sys/devices/platform"
        guard let device = try FileManager.default.contentsOfDirectory(atPath: platform).sorted().first(where: { $0.hasPrefix("gpio-sim.") }),
            let chip = try FileManager.default.contentsOfDirectory(atPath: "\(platform)/\(device)").sorted().first(where: { $0.hasPrefix("gpiochip") })
        else { throw CheckFailure("no gpio-sim chip under \(platform)") }
        directory = "\(platform)/\(device)/\(chip)"
        var values: [Int32] = []
        var pulls: [Int32] = []
        for offset in 0..<lines {
            let value = open("\(directory)/sim_gpio\(offset)/value", O_RDONLY)
            let pull = open("\(directory)/sim_gpio\(offset)/pull", O_RDWR)
            guard value >= 0, pull >= 0 else { throw CheckFailure("\(directory)/sim_gpio\(offset): \(String(cString: strerror(errno)))") }
            values.append(value)
            pulls.append(pull)
        }
        self.values = values
        self.pulls = pulls
    }

    /// The line's physical level: true is high.
    func value(_ offset: Int) -> Bool {
        var text: (UInt8, UInt8) = (0, 0)
        let count = withUnsafeMutableBytes(of: &text) { pread(values[offset], $0.baseAddress, 2, 0) }
        return count > 0 && text.0 == UInt8(ascii: "1")
    }

    func setPull(_ offset: Int, high: Bool) {
        let text = high ? "pull-up" : "pull-down"
        let written = text.withCString { pwrite(pulls[offset], $0, strlen($0), 0) }
        precondition(written > 0, "sim_gpio\(offset)/pull: \(String(cString: strerror(errno)))")
    }
}

struct CheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
