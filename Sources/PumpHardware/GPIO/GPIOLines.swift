import InfusionCore

/// A change of level on an input line, stamped by whoever saw it (the kernel, for libgpiod).
public struct EdgeEvent: Hashable, Sendable {
    public var function: PinFunction
    /// The line's logical level after the edge (the pin map's active level applied).
    public var asserted: Bool
    public var at: ControlInstant

    public init(function: PinFunction, asserted: Bool, at: ControlInstant) {
        self.function = function
        self.asserted = asserted
        self.at = at
    }
}

/// The seam under the GPIO backend: libgpiod on a board, the simulator's lines in tests.
///
/// Everything above it — step pulses, encoder counting, the HX711 read-out, debouncing,
/// indicator patterns — is the same code on both, so the tests exercise what runs on the board.
/// Levels are logical: the implementation applies each line's active level from the pin map.
/// Methods are called from the real-time loop: implementations must not allocate or block.
public protocol GPIOLines {
    /// Drives an output to asserted (true) or released (false).
    mutating func set(_ function: PinFunction, _ asserted: Bool) throws(GPIOLineError)
    /// Reads a line's present logical level.
    mutating func get(_ function: PinFunction) throws(GPIOLineError) -> Bool
    /// Hands every edge seen on any input since the last call to `body`, oldest first.
    mutating func drainEdges(_ body: (EdgeEvent) -> Void) throws(GPIOLineError)
    /// Lets at least `nanoseconds` pass before the next line operation: a pulse width or a
    /// set-up time. A busy-wait on hardware; virtual time in the simulator.
    mutating func hold(nanoseconds: Int64)
}

/// A line operation that failed. Plain values only, so raising it in the loop allocates nothing;
/// the words are made when it is described.
public struct GPIOLineError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Operation: String, Hashable, Sendable { case write, read, events }
    public var function: PinFunction
    public var operation: Operation
    public var errno: Int32

    public init(function: PinFunction, operation: Operation, errno: Int32) {
        self.function = function
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(function): \(operation.rawValue) failed (errno \(errno))" }
}
