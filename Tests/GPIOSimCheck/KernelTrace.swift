import Foundation
import PumpHardware

/// Every value the kernel set on STEP and DIR, from gpiolib's `gpio_value` tracepoint: the exact
/// record a sampling watcher cannot give under TCG, where a vCPU can be off its host core for
/// longer than a pulse. Line numbers in the trace are global: the chip's base plus the offset.
/// Read only: the guest boots with the event on and a buffer large enough for the whole stage.
struct KernelTrace {
    static let tracing = "/sys/kernel/tracing"
    let step: Int
    let direction: Int

    /// Finds the simulated chip's base under /sys/class/gpio.
    init(board: Board) throws {
        let base = try Self.base(of: board)
        step = base + board.offset(.step)
        direction = base + board.offset(.direction)
        // Enabled on the kernel command line (trace_event=gpio:gpio_value), not here. Enabling a
        // tracepoint at run time patches kernel text. Under TCG the stage hung twice at this very
        // step, once with "soft lockup - CPU#1 stuck" for the checker.
        guard (try? Self.read("events/gpio/gpio_value/enable"))?.hasPrefix("1") == true else {
            throw CheckFailure("the gpio_value tracepoint is not enabled: boot with trace_event=gpio:gpio_value")
        }
    }

    /// The simulated chip's first global line number (gpiolib's numbering, in the trace and in
    /// debugfs), from /sys/class/gpio.
    static func base(of board: Board) throws -> Int {
        let classDirectory = "/sys/class/gpio"
        let label = board.map[.step]!.address.chip
        for entry in try FileManager.default.contentsOfDirectory(atPath: classDirectory) where entry.hasPrefix("gpiochip") {
            let read = { (name: String) in
                (try? String(contentsOfFile: "\(classDirectory)/\(entry)/\(name)", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if read("label") == label, let base = read("base").flatMap({ Int($0) }) { return base }
        }
        throw CheckFailure("no \(classDirectory)/gpiochip* labelled \(label)")
    }

    /// (STEP rising edges, of which with DIR low) traced since boot. Callers take the difference
    /// between two readings: the trace is never cleared, since that too would reach into the
    /// kernel's ring buffers while the backend runs.
    func steps() throws -> (rises: Int, backward: Int) {
        let text = try Self.read("trace")
        var stepLevel = false
        var forward = true
        var rises = 0
        var backward = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            // "… gpio_value: 529 set 1"
            guard let marker = line.range(of: "gpio_value: ") else { continue }
            let fields = line[marker.upperBound...].split(separator: " ")
            guard fields.count == 3, fields[1] == "set", let gpio = Int(fields[0]), let value = Int(fields[2]) else { continue }
            if gpio == direction { forward = value == 1 }
            if gpio == step {
                if value == 1, !stepLevel {
                    rises += 1
                    if !forward { backward += 1 }
                }
                stepLevel = value == 1
            }
        }
        return (rises, backward)
    }

    /// The whole file, read(2) to the end: tracefs files report size 0, and a read that trusts
    /// the size or stops at the first short read gets only the first page.
    private static func read(_ file: String) throws -> String {
        let path = "\(tracing)/\(file)"
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = Glibc.read(fd, &chunk, chunk.count)
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
