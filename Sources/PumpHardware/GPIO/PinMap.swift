/// One line of one GPIO chip.
public struct LineAddress: Hashable, Sendable, CustomStringConvertible {
    /// As libgpiod looks a chip up: a name (`gpiochip0`), a label (`pinctrl-bcm2711`), a path or a number.
    public var chip: String
    public var offset: Int

    public init(chip: String, offset: Int) {
        self.chip = chip
        self.offset = offset
    }

    public var description: String { "\(chip) line \(offset)" }
}

/// Where each signal of the board is, and how it is wired: read from `hardware/pinmap.toml`.
public struct PinMap: Hashable, Sendable {
    public struct Line: Hashable, Sendable {
        public var address: LineAddress
        public var wiring: LineWiring
        /// The 40-pin header's pin number, for people with a multimeter; not used by the code.
        public var headerPin: Int?
    }

    public var board: String
    /// Indexed by ``PinFunction/rawValue``; nil where an optional line is not fitted.
    public private(set) var lines: [Line?]
    public var stepper: StepperTiming
    public var forceSensor: HX711Calibration

    public init(board: String, lines: [PinFunction: Line], stepper: StepperTiming, forceSensor: HX711Calibration) {
        self.board = board
        self.lines = PinFunction.allCases.map { lines[$0] }
        self.stepper = stepper
        self.forceSensor = forceSensor
    }

    public subscript(function: PinFunction) -> Line? {
        get { lines[function.rawValue] }
        set { lines[function.rawValue] = newValue }
    }

    public var encoderFitted: Bool { self[.encoderA] != nil }

    /// The signals this map wires, in catalogue order.
    public var fitted: [PinFunction] { PinFunction.allCases.filter { self[$0] != nil } }

    /// The same board with every line moved to `chip`: how the gpio-sim test lays the reference
    /// map onto a simulated chip (docs/testing.md).
    public func movingAllLines(to chip: String) -> PinMap {
        var moved = self
        for function in fitted { moved[function]?.address.chip = chip }
        return moved
    }

    /// Checks the map against the chips present: each chip must exist and each offset be one of
    /// its lines. `lineCounts` maps a chip, as the map names it, to its number of lines (nil: no
    /// such chip). The first problem found is thrown, naming the field.
    public func check(lineCounts: (String) -> Int?) throws(PinMapError) {
        for function in fitted {
            guard let line = self[function] else { continue }
            guard let count = lineCounts(line.address.chip) else {
                throw PinMapError(field: function.description, reason: "no GPIO chip \"\(line.address.chip)\" on this machine")
            }
            guard line.address.offset < count else {
                throw PinMapError(
                    field: function.description,
                    reason: "offset \(line.address.offset) is out of range: \(line.address.chip) has lines 0…\(count - 1)")
            }
        }
    }
}

/// A pin map that cannot be used, naming the field; the daemon does not start on one.
public struct PinMapError: Error, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let field: String
    public let reason: String
    /// Not wrong, only not ready now: a line another process (or the kernel) holds, which may be
    /// a daemon instance still exiting or a technician's `gpioset`, or a chip gone between the
    /// start's wait and its opening. The start exits 75 and systemd tries again; its start limit
    /// ends a conflict that never goes, with the holder named in the journal.
    public let notReady: Bool

    public init(file: String = "pin map", field: String, reason: String, notReady: Bool = false) {
        self.file = file
        self.field = field
        self.reason = reason
        self.notReady = notReady
    }

    public var description: String { "\(file): \(field): \(reason)" }
}
