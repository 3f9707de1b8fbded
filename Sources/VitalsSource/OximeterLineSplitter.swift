/// Cuts the oximeter's byte stream into lines, as the reader thread receives it: a line ends at
/// LF, a CR before it is dropped. Bounded: a stream with no LF (a wrong baud rate, a stuck
/// transmitter) is reported once as overlong and skipped to the next LF, never buffered without
/// end.
public struct OximeterLineSplitter: Sendable {
    public enum Output: Hashable, Sendable {
        case line([UInt8])
        /// More than ``MasimoASCIIParser/maximumLength`` bytes without an LF.
        case overlong
    }

    private var buffer: [UInt8] = []
    private var skipping = false

    public init() {
        buffer.reserveCapacity(MasimoASCIIParser.maximumLength + 1)
    }

    public mutating func feed(_ byte: UInt8) -> Output? {
        if byte == UInt8(ascii: "\n") {
            defer {
                buffer.removeAll(keepingCapacity: true)
                skipping = false
            }
            guard !skipping else { return nil }
            if buffer.last == UInt8(ascii: "\r") { buffer.removeLast() }
            return .line(buffer)
        }
        guard !skipping else { return nil }
        guard buffer.count < MasimoASCIIParser.maximumLength + 1 else {
            skipping = true
            buffer.removeAll(keepingCapacity: true)
            return .overlong
        }
        buffer.append(byte)
        return nil
    }
}
