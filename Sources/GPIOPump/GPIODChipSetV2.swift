#if LIBGPIOD_V2
import CGPIOD
import Foundation
import PumpHardware

/// The pin map's lines through libgpiod 2.x, the v2 API of Debian 13 and Raspberry Pi OS trixie:
/// one line request per line, so each edge line has its own event descriptor as on v1 and a
/// failure names the one line that failed.
///
/// What v1 did by itself is said here explicitly: events stamped on CLOCK_MONOTONIC (v2 could
/// stamp them on the wall clock, which steps), outputs requested at their released value. v2 has
/// no open-by-label, so a chip is found by looking through `/dev/gpiochip*`.
final class GPIODChipSet {
    static let api = "libgpiod v2"
    private var chips: [OpaquePointer] = []
    private var requests: [OpaquePointer?] = Array(repeating: nil, count: PinFunction.allCases.count)
    private var offsets: [UInt32] = Array(repeating: 0, count: PinFunction.allCases.count)
    private let events: OpaquePointer

    init(map: PinMap, consumer: String, eventsPerLine: Int) throws(PinMapError) {
        guard let buffer = gpiod_edge_event_buffer_new(eventsPerLine) else {
            throw PinMapError(file: "GPIO", field: "edge events", reason: "libgpiod could not allocate an event buffer: \(String(cString: strerror(errno)))")
        }
        events = buffer
        // A throw from here on runs deinit, which releases whatever was taken and the buffer.
        try open(map, consumer: consumer)
    }

    deinit {
        releaseAll()
        gpiod_edge_event_buffer_free(events)
    }

    static func chipPresent(_ name: String) -> Bool {
        guard let chip = lookUp(name) else { return false }
        gpiod_chip_close(chip)
        return true
    }

    /// Opens the chip `name` as v1's `gpiod_chip_open_lookup` would: a path, a name
    /// (`gpiochip0`), a number (`0`) or a label (`pinctrl-bcm2711`), the first chip in
    /// `/dev/gpiochip*` order that answers to it. `errno` is ENOENT when none does.
    static func lookUp(_ name: String) -> OpaquePointer? {
        if name.hasPrefix("/") { return gpiod_chip_open(name) }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).filter { $0.hasPrefix("gpiochip") }
        for entry in entries.sorted(by: { $0.localizedStandardCompare($1) == .orderedAscending }) {
            guard let chip = gpiod_chip_open("/dev/\(entry)") else { continue }
            if let info = gpiod_chip_get_info(chip) {
                let chipName = gpiod_chip_info_get_name(info).map { String(cString: $0) } ?? entry
                let label = gpiod_chip_info_get_label(info).map { String(cString: $0) }
                gpiod_chip_info_free(info)
                // A number is the chip's name without "gpiochip"; the /dev entry's own name
                // counts too (a udev link such as a Pi 5's /dev/gpiochip4).
                if name == chipName || name == entry || "gpiochip\(name)" == chipName || name == label { return chip }
            }
            gpiod_chip_close(chip)
        }
        errno = ENOENT
        return nil
    }

    private func releaseAll() {
        for case let request? in requests { gpiod_line_request_release(request) }
        requests = Array(repeating: nil, count: requests.count)
        for chip in chips { gpiod_chip_close(chip) }
        chips = []
    }

    private func open(_ map: PinMap, consumer: String) throws(PinMapError) {
        let opened = try GPIODCommon.openChips(map, lookUp: Self.lookUp)
        chips = Array(opened.values)
        try map.check { name in opened[name].map(Self.lineCount) }

        // Everything is checked before anything is requested.
        for function in map.fitted {
            guard let entry = map[function], let chip = opened[entry.address.chip] else { continue }
            if let held = try Self.holder(chip, entry.address) {
                throw PinMapError(file: "GPIO", field: function.description, reason: held, notReady: true)
            }
        }
        for function in map.fitted {
            guard let entry = map[function], let chip = opened[entry.address.chip] else { continue }
            requests[function.rawValue] = try request(function, entry, on: chip, consumer: consumer)
            offsets[function.rawValue] = UInt32(entry.address.offset)
        }
    }

    private static func lineCount(_ chip: OpaquePointer) -> Int {
        guard let info = gpiod_chip_get_info(chip) else { return 0 }
        defer { gpiod_chip_info_free(info) }
        return gpiod_chip_info_get_num_lines(info)
    }

    /// The refusal for a line that is taken (by a process or the kernel), naming its consumer;
    /// nil when it is free. A line whose information cannot be read is not "held": that refusal
    /// is a plain one (exit 78), as on v1.
    private static func holder(_ chip: OpaquePointer, _ address: LineAddress) throws(PinMapError) -> String? {
        guard let info = gpiod_chip_get_line_info(chip, UInt32(address.offset)) else {
            throw PinMapError(file: "GPIO", field: "line", reason: "cannot read \(address): \(String(cString: strerror(errno)))")
        }
        defer { gpiod_line_info_free(info) }
        return gpiod_line_info_is_used(info) ? GPIODCommon.held(address, consumer: gpiod_line_info_get_consumer(info)) : nil
    }

    private func request(_ function: PinFunction, _ entry: PinMap.Line, on chip: OpaquePointer, consumer: String) throws(PinMapError) -> OpaquePointer {
        let cannotAllocate = { PinMapError(file: "GPIO", field: function.description, reason: "libgpiod could not allocate a request: \(String(cString: strerror(errno)))") }
        guard let settings = gpiod_line_settings_new() else { throw cannotAllocate() }
        defer { gpiod_line_settings_free(settings) }
        guard let lineConfig = gpiod_line_config_new() else { throw cannotAllocate() }
        defer { gpiod_line_config_free(lineConfig) }
        guard let requestConfig = gpiod_request_config_new() else { throw cannotAllocate() }
        defer { gpiod_request_config_free(requestConfig) }
        gpiod_line_settings_set_active_low(settings, entry.wiring.activeLow)
        switch entry.wiring.bias {
        case .asIs: gpiod_line_settings_set_bias(settings, GPIOD_LINE_BIAS_AS_IS)
        case .disabled: gpiod_line_settings_set_bias(settings, GPIOD_LINE_BIAS_DISABLED)
        case .pullUp: gpiod_line_settings_set_bias(settings, GPIOD_LINE_BIAS_PULL_UP)
        case .pullDown: gpiod_line_settings_set_bias(settings, GPIOD_LINE_BIAS_PULL_DOWN)
        }
        if function.isOutput {
            gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT)
            // Outputs start released: EN disabled, indicators off.
            gpiod_line_settings_set_output_value(settings, GPIOD_LINE_VALUE_INACTIVE)
        } else {
            gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT)
            if function.reportsEdges {
                gpiod_line_settings_set_edge_detection(settings, GPIOD_LINE_EDGE_BOTH)
                gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC)
                gpiod_line_settings_set_debounce_period_us(settings, UInt(Self.kernelDebounceMicroseconds(function)))
            }
        }
        var offset = UInt32(entry.address.offset)
        guard gpiod_line_config_add_line_settings(lineConfig, &offset, 1, settings) == 0 else {
            throw PinMapError(file: "GPIO", field: function.description, reason: GPIODCommon.cannotRequest(entry.address, errno: errno))
        }
        gpiod_request_config_set_consumer(requestConfig, consumer)
        guard let request = gpiod_chip_request_lines(chip, requestConfig, lineConfig) else {
            let code = errno
            // EBUSY is a held line even when its holder has let go by the time it is asked after
            // (an instance still exiting): not ready, tried again.
            let held = code == EBUSY ? ((try? Self.holder(chip, entry.address)) ?? nil) : nil
            throw PinMapError(
                file: "GPIO", field: function.description,
                reason: held ?? (code == EBUSY ? GPIODCommon.held(entry.address, consumer: nil) : GPIODCommon.cannotRequest(entry.address, errno: code)),
                notReady: code == EBUSY)
        }
        return request
    }

    /// v2's in-kernel debounce, on the two buttons that ask for something (a bolus, a silence):
    /// a chattering contact is folded into one edge in the kernel instead of filling the line's
    /// event queue, and a press arrives 5 ms later, which asks nothing of safety. Never on the
    /// clamp, end-of-travel, air or STOP lines, whose unsafe edge must reach the tick at once
    /// (the kernel reports only once a level has held for the period), nor on the encoder, whose
    /// every edge is a count.
    static func kernelDebounceMicroseconds(_ function: PinFunction) -> Int {
        switch function {
        case .demandButton, .silenceKey: 5_000
        default: 0
        }
    }

    func set(_ function: PinFunction, _ asserted: Bool) -> Bool {
        guard let request = requests[function.rawValue] else { errno = ENODEV; return false }
        return gpiod_line_request_set_value(request, offsets[function.rawValue], asserted ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) == 0
    }

    func get(_ function: PinFunction) -> Int32 {
        guard let request = requests[function.rawValue] else { errno = ENODEV; return -1 }
        return gpiod_line_request_get_value(request, offsets[function.rawValue]).rawValue
    }

    func eventDescriptor(_ function: PinFunction) -> Int32 {
        requests[function.rawValue].map { gpiod_line_request_get_fd($0) } ?? -1
    }

    func readEdges(_ function: PinFunction, into edges: UnsafeMutablePointer<RawEdge>, capacity: Int) -> Int {
        guard let request = requests[function.rawValue] else { errno = ENODEV; return -1 }
        let read = gpiod_line_request_read_edge_events(request, events, capacity)
        guard read >= 0 else { return -1 }
        for index in 0..<Int(read) {
            guard let event = gpiod_edge_event_buffer_get_event(events, UInt(index)) else { return -1 }
            edges[index] = RawEdge(
                nanoseconds: Int64(truncatingIfNeeded: gpiod_edge_event_get_timestamp_ns(event)),
                rising: gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE)
        }
        return Int(read)
    }
}
#endif
