import CGPIOD
import Foundation
import InfusionCore
import PumpHardware

/// The board's lines through libgpiod 1.6 (the v1 API Debian 12 ships), on the kernel's GPIO
/// character device.
///
/// Opening checks everything before taking anything: each chip exists, each offset is one of its
/// lines, no line is held by another process. A failure names the pin map field, the chip and the
/// line, and nothing is left requested. Outputs start released (EN high: the driver disabled).
/// Active levels and pulls go to the kernel with the request, so levels here are logical and a
/// dead process leaves the lines to the board's pulls.
///
/// After opening, nothing allocates: edge events are read into buffers sized here, with one
/// `poll` per period over all edge lines.
public final class LibGPIODLines: GPIOLines {
    private var chips: [OpaquePointer] = []
    private var lines: [OpaquePointer?]
    private let edgeFunctions: [PinFunction]
    private let pollDescriptors: UnsafeMutablePointer<pollfd>
    private let events: UnsafeMutablePointer<gpiod_line_event>
    private let eventCounts: UnsafeMutablePointer<Int>
    private let eventNext: UnsafeMutablePointer<Int>
    static let eventsPerLine = 64

    public init(map: PinMap, consumer: String = "infusiond") throws(PinMapError) {
        lines = Array(repeating: nil, count: PinFunction.allCases.count)
        edgeFunctions = map.fitted.filter(\.reportsEdges)
        pollDescriptors = .allocate(capacity: max(1, edgeFunctions.count))
        events = .allocate(capacity: max(1, edgeFunctions.count) * Self.eventsPerLine)
        eventCounts = .allocate(capacity: max(1, edgeFunctions.count))
        eventNext = .allocate(capacity: max(1, edgeFunctions.count))
        do {
            try open(map, consumer: consumer)
        } catch {
            releaseAll()
            throw error
        }
    }

    deinit {
        releaseAll()
        pollDescriptors.deallocate()
        events.deallocate()
        eventCounts.deallocate()
        eventNext.deallocate()
    }

    private func releaseAll() {
        for case let line? in lines { gpiod_line_release(line) }
        lines = Array(repeating: nil, count: lines.count)
        for chip in chips { gpiod_chip_close(chip) }
        chips = []
    }

    private func open(_ map: PinMap, consumer: String) throws(PinMapError) {
        var opened: [String: OpaquePointer] = [:]
        for function in map.fitted {
            guard let chipName = map[function]?.address.chip, opened[chipName] == nil else { continue }
            guard let chip = gpiod_chip_open_lookup(chipName) else {
                throw PinMapError(file: "GPIO", field: function.description, reason: Self.missingChip(chipName, errno: errno))
            }
            chips.append(chip)
            opened[chipName] = chip
        }
        try map.check { name in opened[name].map { Int(gpiod_chip_num_lines($0)) } }

        // Everything is checked before anything is requested.
        for function in map.fitted {
            guard let entry = map[function], let chip = opened[entry.address.chip],
                let line = gpiod_chip_get_line(chip, UInt32(entry.address.offset))
            else {
                throw PinMapError(file: "GPIO", field: function.description, reason: "cannot reach \(map[function]?.address.description ?? "its line")")
            }
            if gpiod_line_is_used(line) {
                throw PinMapError(file: "GPIO", field: function.description, reason: Self.held(entry.address, line))
            }
        }
        for function in map.fitted {
            guard let entry = map[function], let chip = opened[entry.address.chip],
                let line = gpiod_chip_get_line(chip, UInt32(entry.address.offset))
            else { continue }
            var flags = entry.wiring.activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
            switch entry.wiring.bias {
            case .asIs: break
            case .disabled: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
            case .pullUp: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
            case .pullDown: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
            }
            let type =
                function.isOutput
                ? GPIOD_LINE_REQUEST_DIRECTION_OUTPUT
                : function.reportsEdges ? GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES : GPIOD_LINE_REQUEST_DIRECTION_INPUT
            let result = consumer.withCString { name in
                var config = gpiod_line_request_config(consumer: name, request_type: Int32(type), flags: flags)
                // Outputs start released: EN disabled, indicators off.
                return gpiod_line_request(line, &config, 0)
            }
            guard result == 0 else {
                let code = errno
                throw PinMapError(
                    file: "GPIO", field: function.description,
                    reason: code == EBUSY ? Self.held(entry.address, line) : "cannot request \(entry.address): \(String(cString: strerror(code)))")
            }
            lines[function.rawValue] = line
        }
        for (index, function) in edgeFunctions.enumerated() {
            pollDescriptors[index] = pollfd(fd: gpiod_line_event_get_fd(lines[function.rawValue]), events: Int16(POLLIN), revents: 0)
        }
    }

    private static func missingChip(_ name: String, errno code: Int32) -> String {
        let present = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? [])
            .filter { $0.hasPrefix("gpiochip") }.sorted()
        let seen = present.isEmpty ? "this machine has no GPIO chip (no /dev/gpiochip*)" : "present: \(present.joined(separator: ", "))"
        return "no GPIO chip \"\(name)\" (\(String(cString: strerror(code)))); \(seen)"
    }

    private static func held(_ address: LineAddress, _ line: OpaquePointer) -> String {
        let owner = gpiod_line_consumer(line).map { String(cString: $0) } ?? "unnamed"
        return "\(address) is held by another process (consumer \"\(owner)\")"
    }

    // MARK: - GPIOLines

    public func set(_ function: PinFunction, _ asserted: Bool) throws(GPIOLineError) {
        guard let line = lines[function.rawValue], gpiod_line_set_value(line, asserted ? 1 : 0) == 0 else {
            throw GPIOLineError(function: function, operation: .write, errno: errno)
        }
    }

    public func get(_ function: PinFunction) throws(GPIOLineError) -> Bool {
        guard let line = lines[function.rawValue] else { throw GPIOLineError(function: function, operation: .read, errno: ENODEV) }
        let value = gpiod_line_get_value(line)
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
            eventCounts[index] = 0
            eventNext[index] = 0
            guard pollDescriptors[index].revents & Int16(POLLIN) != 0 else { continue }
            let function = edgeFunctions[index]
            let read = gpiod_line_event_read_multiple(
                lines[function.rawValue], events + index * Self.eventsPerLine, UInt32(Self.eventsPerLine))
            guard read >= 0 else { throw GPIOLineError(function: function, operation: .events, errno: errno) }
            eventCounts[index] = Int(read)
        }
        // Merge the lines' events oldest first: the encoder's channels must be decoded in order.
        while true {
            var oldest = -1
            var oldestAt = Int64.max
            for index in 0..<count where eventNext[index] < eventCounts[index] {
                let at = Self.nanoseconds(events[index * Self.eventsPerLine + eventNext[index]].ts)
                if at < oldestAt { oldest = index; oldestAt = at }
            }
            guard oldest >= 0 else { return }
            let event = events[oldest * Self.eventsPerLine + eventNext[oldest]]
            eventNext[oldest] += 1
            body(EdgeEvent(
                function: edgeFunctions[oldest], asserted: event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE),
                at: ControlInstant(nanoseconds: oldestAt)))
        }
    }

    /// Busy-waits: pulse widths are microseconds, far below what a sleep can promise.
    public func hold(nanoseconds: Int64) {
        let end = MonotonicClock.now() + ControlDuration(nanoseconds: nanoseconds)
        while MonotonicClock.now() < end {}
    }

    private static func nanoseconds(_ spec: timespec) -> Int64 {
        Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
