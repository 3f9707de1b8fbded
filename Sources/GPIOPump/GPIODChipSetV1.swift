#if !LIBGPIOD_V2
import CGPIOD
import Foundation
import PumpHardware

/// The pin map's lines through libgpiod 1.6, the v1 API of Debian 12: a line handle per line,
/// each edge line with its own event descriptor. v1 stamps events on CLOCK_MONOTONIC, and has no
/// debounce of its own (the debouncers above the seam do it on both APIs).
final class GPIODChipSet {
    static let api = "libgpiod v1"
    private var chips: [OpaquePointer] = []
    private var lines: [OpaquePointer?] = Array(repeating: nil, count: PinFunction.allCases.count)
    private let events: UnsafeMutablePointer<gpiod_line_event>
    private let eventsPerLine: Int

    init(map: PinMap, consumer: String, eventsPerLine: Int) throws(PinMapError) {
        self.eventsPerLine = eventsPerLine
        events = .allocate(capacity: eventsPerLine)
        // A throw from here on runs deinit, which releases whatever was taken and the buffer.
        try open(map, consumer: consumer)
    }

    deinit {
        releaseAll()
        events.deallocate()
    }

    static func chipPresent(_ name: String) -> Bool {
        guard let chip = gpiod_chip_open_lookup(name) else { return false }
        gpiod_chip_close(chip)
        return true
    }

    private func releaseAll() {
        for case let line? in lines { gpiod_line_release(line) }
        lines = Array(repeating: nil, count: lines.count)
        for chip in chips { gpiod_chip_close(chip) }
        chips = []
    }

    private func open(_ map: PinMap, consumer: String) throws(PinMapError) {
        let opened = try GPIODCommon.openChips(map) { gpiod_chip_open_lookup($0) }
        chips = Array(opened.values)
        try map.check { name in opened[name].map { Int(gpiod_chip_num_lines($0)) } }

        // Everything is checked before anything is requested.
        for function in map.fitted {
            guard let entry = map[function], let chip = opened[entry.address.chip],
                let line = gpiod_chip_get_line(chip, UInt32(entry.address.offset))
            else {
                throw PinMapError(file: "GPIO", field: function.description, reason: "cannot reach \(map[function]?.address.description ?? "its line")")
            }
            if gpiod_line_is_used(line) {
                throw PinMapError(file: "GPIO", field: function.description, reason: GPIODCommon.held(entry.address, consumer: gpiod_line_consumer(line)), notReady: true)
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
                    reason: code == EBUSY
                        ? GPIODCommon.held(entry.address, consumer: gpiod_line_consumer(line)) : GPIODCommon.cannotRequest(entry.address, errno: code),
                    notReady: code == EBUSY)
            }
            lines[function.rawValue] = line
        }
    }

    func set(_ function: PinFunction, _ asserted: Bool) -> Bool {
        guard let line = lines[function.rawValue] else { errno = ENODEV; return false }
        return gpiod_line_set_value(line, asserted ? 1 : 0) == 0
    }

    func get(_ function: PinFunction) -> Int32 {
        guard let line = lines[function.rawValue] else { errno = ENODEV; return -1 }
        return gpiod_line_get_value(line)
    }

    func eventDescriptor(_ function: PinFunction) -> Int32 {
        lines[function.rawValue].map { gpiod_line_event_get_fd($0) } ?? -1
    }

    func readEdges(_ function: PinFunction, into edges: UnsafeMutablePointer<RawEdge>, capacity: Int) -> Int {
        let read = gpiod_line_event_read_multiple(lines[function.rawValue], events, UInt32(min(capacity, eventsPerLine)))
        guard read >= 0 else { return -1 }
        for index in 0..<Int(read) {
            let event = events[index]
            edges[index] = RawEdge(
                nanoseconds: Int64(event.ts.tv_sec) * 1_000_000_000 + Int64(event.ts.tv_nsec),
                rising: event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE))
        }
        return Int(read)
    }
}
#endif
