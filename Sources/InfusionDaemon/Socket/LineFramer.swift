/// Splits a client's byte stream into request lines, with a cap on a line's length.
///
/// A line over the cap is not kept growing: its first bytes are dropped, the rest of it is skipped
/// up to its newline, and it is reported once as too long. So a client that never sends a newline
/// costs at most the cap in memory, and the next line after an overlong one is read normally.
public struct LineFramer: Sendable {
    public enum Item: Hashable, Sendable {
        case line([UInt8])
        /// A line longer than the cap, of at least this many bytes, was discarded.
        case tooLong(Int)
    }

    public let maximumLineBytes: Int
    private var pending: [UInt8] = []
    /// Bytes of an overlong line seen so far, while skipping to its end.
    private var skipping: Int?

    public init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Feeds bytes as they arrived; answers every complete item, in order.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [Item] {
        var items: [Item] = []
        for byte in bytes {
            if let skipped = skipping {
                if byte == 0x0A {
                    items.append(.tooLong(skipped))
                    skipping = nil
                } else {
                    skipping = skipped + 1
                }
                continue
            }
            if byte == 0x0A {
                if pending.last == 0x0D { pending.removeLast() }
                items.append(.line(pending))
                pending.removeAll(keepingCapacity: true)
            } else if pending.count == maximumLineBytes {
                skipping = pending.count + 1
                pending.removeAll(keepingCapacity: false)
            } else {
                pending.append(byte)
            }
        }
        return items
    }

    /// Bytes held for an unfinished line: never more than the cap.
    public var buffered: Int { pending.count }
}
