import Foundation

/// One JSON line on stdout: what the checker reads (docs/testing.md, "The GPIO path in the
/// kernel"). Times are CLOCK_MONOTONIC nanoseconds, the clock the kernel stamps edges with.
struct HarnessReport: Encodable {
    var event: String
    var at: Int64
    var state: String?
    var alarm: String?
    /// The kernel's stamp on the edge behind an alarm or a demand press.
    var edgeAt: Int64?
    /// When the tick that received that edge from the kernel began.
    var edgeReceivedAt: Int64?
    /// When the tick before the one that reacted began.
    var previousTickAt: Int64?
    var enableAsserted: Bool?
    var motorSteps: Int64?
    var encoderCounts: Int64?
    var demandPresses: Int64?
    var forceReadings: Int64?
    var stuckReadouts: Int64?
    var ticks: Int64?
    var overruns: Int64?
    /// Sample, tick and apply together, in µs: p50, p99, max so far.
    var periodCostMicroseconds: [Int64]?
    /// One libgpiod write and one read on the kernel's lines, averaged over 1 000 of each.
    var lineWriteNanoseconds: Int64?
    var lineReadNanoseconds: Int64?
    var reason: String?
    /// The front panel's keys as the tick read them, and whether the alarm sound is on.
    var stopKeyHeld: Bool?
    var silenceKeyPresses: Int64?
    var audible: Bool?

    init(_ event: String, at: Int64) {
        self.event = event
        self.at = at
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }()

    func print() {
        guard let data = try? Self.encoder.encode(self) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
