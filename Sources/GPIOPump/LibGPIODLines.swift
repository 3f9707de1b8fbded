import CGPIOD
import Foundation
import InfusionCore
import PumpHardware

/// The board's lines through libgpiod, on the kernel's GPIO character device: the v1 API that
/// Debian 12 ships (1.6) or the v2 API of Debian 13 and Raspberry Pi OS trixie (2.x), chosen when
/// the package is built (`LIBGPIOD_V2`, set by `scripts/libgpiod-v2`). ``GPIODChipSet`` is the
/// one part the two APIs write differently; everything here behaves and fails the same on both.
///
/// Opening checks everything before taking anything: each chip exists, each offset is one of its
/// lines, no line is held by another process. A failure names the pin map field, the chip and the
/// line, and nothing is left requested. Outputs start released (EN high: the driver disabled).
/// Active levels and pulls go to the kernel with the request, so levels here are logical and a
/// dead process leaves the lines to the board's pulls. Edges are stamped on CLOCK_MONOTONIC, the
/// clock the loop converts from (v1 has no other; v2 is told so explicitly).
///
/// After opening, nothing allocates: edge events are read into buffers sized here, with one
/// `poll` per period over all edge lines.
public final class LibGPIODLines: GPIOLines {
    private let chips: GPIODChipSet
    private let edgeFunctions: [PinFunction]
    private let pollDescriptors: UnsafeMutablePointer<pollfd>
    private let edges: UnsafeMutablePointer<RawEdge>
    private let edgeCounts: UnsafeMutablePointer<Int>
    private let edgeNext: UnsafeMutablePointer<Int>
    static let eventsPerLine = 64

    /// Which libgpiod API this build speaks, for `--version` and the start log.
    public static var api: String { GPIODChipSet.api }

    public init(map: PinMap, consumer: String = "infusiond") throws(PinMapError) {
        chips = try GPIODChipSet(map: map, consumer: consumer, eventsPerLine: Self.eventsPerLine)
        edgeFunctions = map.fitted.filter(\.reportsEdges)
        let count = max(1, edgeFunctions.count)
        pollDescriptors = .allocate(capacity: count)
        edges = .allocate(capacity: count * Self.eventsPerLine)
        edgeCounts = .allocate(capacity: count)
        edgeNext = .allocate(capacity: count)
        for (index, function) in edgeFunctions.enumerated() {
            pollDescriptors[index] = pollfd(fd: chips.eventDescriptor(function), events: Int16(POLLIN), revents: 0)
        }
    }

    deinit {
        pollDescriptors.deallocate()
        edges.deallocate()
        edgeCounts.deallocate()
        edgeNext.deallocate()
    }

    /// Whether the chip `name` (a label, a name such as gpiochip0, a number or a path) can be
    /// found now: opened and closed again, no line requested, so `--check-config` can say so
    /// without taking the board.
    public static func chipPresent(_ name: String) -> Bool { GPIODChipSet.chipPresent(name) }

    // MARK: - GPIOLines

    public func set(_ function: PinFunction, _ asserted: Bool) throws(GPIOLineError) {
        guard chips.set(function, asserted) else { throw GPIOLineError(function: function, operation: .write, errno: errno) }
    }

    public func get(_ function: PinFunction) throws(GPIOLineError) -> Bool {
        let value = chips.get(function)
        guard value >= 0 else { throw GPIOLineError(function: function, operation: .read, errno: errno) }
        return value == 1
    }

    public func drainEdges(_ body: (EdgeEvent) -> Void) throws(GPIOLineError) {
        let count = edgeFunctions.count
        guard count > 0 else { return }
        guard poll(pollDescriptors, nfds_t(count), 0) >= 0 else {
            throw GPIOLineError(function: edgeFunctions[0], operation: .events, errno: errno)
        }
        for index in 0..<count {
            edgeCounts[index] = 0
            edgeNext[index] = 0
            guard pollDescriptors[index].revents & Int16(POLLIN) != 0 else { continue }
            let function = edgeFunctions[index]
            let read = chips.readEdges(function, into: edges + index * Self.eventsPerLine, capacity: Self.eventsPerLine)
            guard read >= 0 else { throw GPIOLineError(function: function, operation: .events, errno: errno) }
            edgeCounts[index] = read
        }
        // Merge the lines' events oldest first: the encoder's channels must be decoded in order.
        while true {
            var oldest = -1
            var oldestAt = Int64.max
            for index in 0..<count where edgeNext[index] < edgeCounts[index] {
                let at = edges[index * Self.eventsPerLine + edgeNext[index]].nanoseconds
                if at < oldestAt { oldest = index; oldestAt = at }
            }
            guard oldest >= 0 else { return }
            let edge = edges[oldest * Self.eventsPerLine + edgeNext[oldest]]
            edgeNext[oldest] += 1
            body(EdgeEvent(function: edgeFunctions[oldest], asserted: edge.rising, at: ControlInstant(nanoseconds: oldestAt)))
        }
    }

    /// Busy-waits: pulse widths are microseconds, far below what a sleep can promise.
    public func hold(nanoseconds: Int64) {
        let end = MonotonicClock.now() + ControlDuration(nanoseconds: nanoseconds)
        while MonotonicClock.now() < end {}
    }
}

/// One edge as either API reports it, before the lines' edges are merged: the kernel's
/// CLOCK_MONOTONIC stamp, and whether the line went to its active level.
struct RawEdge {
    var nanoseconds: Int64
    var rising: Bool
}

/// What both APIs do alike: open the pin map's chips, and the words for a board that is not as
/// the pin map says.
enum GPIODCommon {
    /// Opens each chip the pin map names once, through `lookUp` (each API finds a chip by label
    /// its own way), or throws naming the first field whose chip is not there, with every chip
    /// already opened closed again.
    static func openChips(_ map: PinMap, lookUp: (String) -> OpaquePointer?) throws(PinMapError) -> [String: OpaquePointer] {
        var opened: [String: OpaquePointer] = [:]
        for function in map.fitted {
            guard let chipName = map[function]?.address.chip, opened[chipName] == nil else { continue }
            guard let chip = lookUp(chipName) else {
                let reason = missingChip(chipName, errno: errno)
                for chip in opened.values { gpiod_chip_close(chip) }
                // Present a moment ago (the start waited for it) or not yet: not ready, tried again.
                throw PinMapError(file: "GPIO", field: function.description, reason: reason, notReady: true)
            }
            opened[chipName] = chip
        }
        return opened
    }

    static func missingChip(_ name: String, errno code: Int32) -> String {
        let present = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? [])
            .filter { $0.hasPrefix("gpiochip") }.sorted()
        let seen = present.isEmpty ? "this machine has no GPIO chip (no /dev/gpiochip*)" : "present: \(present.joined(separator: ", "))"
        return "no GPIO chip \"\(name)\" (\(String(cString: strerror(code)))); \(seen)"
    }

    /// The kernel cannot say whether a process or one of its own drivers (a gpio-hog, a sysfs
    /// export) has the line; the consumer's name usually tells a technician which.
    static func held(_ address: LineAddress, consumer: UnsafePointer<CChar>?) -> String {
        "\(address) is held by another process or the kernel (consumer \"\(consumer.map { String(cString: $0) } ?? "unnamed")\")"
    }

    static func cannotRequest(_ address: LineAddress, errno code: Int32) -> String {
        "cannot request \(address): \(String(cString: strerror(code)))"
    }
}
