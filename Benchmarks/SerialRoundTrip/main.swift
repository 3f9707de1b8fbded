import Foundation
import PumpHardware
import SerialPump

/// `serial-roundtrip PORT [COUNT] [BAUD]`: the time from writing an NE-1000 `DIS` request to
/// having its whole reply decoded, through the product's own libserialport link, repeated COUNT
/// times. `scripts/bench` runs it against `pumpsim serve` on a pty (with the test-only modem-line
/// shim, docs/testing.md). It reports; it asserts nothing about speed.
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: serial-roundtrip PORT [COUNT] [BAUD]\n".utf8))
    exit(2)
}
let count = arguments.count > 2 ? Int(arguments[2]) ?? 0 : 1_000
let baud = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 19_200
guard count > 0, baud > 0 else {
    FileHandle.standardError.write(Data("serial-roundtrip: COUNT and BAUD must be positive integers\n".utf8))
    exit(2)
}

let link: LibSerialPortLink
do {
    link = try LibSerialPortLink(name: arguments[1], baud: baud)
} catch {
    FileHandle.standardError.write(Data("serial-roundtrip: \(error)\n".utf8))
    exit(1)
}

/// Sends one basic-mode request and waits for its reply; nil after 1 s of silence.
func roundTrip(_ text: String) throws -> (Duration, String)? {
    var buffer = [UInt8](repeating: 0, count: 256)
    var decoder = NE1000ReplyDecoder(mode: .basic)
    let clock = ContinuousClock()
    let start = clock.now
    try link.write(NE1000Framing.basic(text))
    while clock.now - start < .seconds(1) {
        let read = try link.read(into: &buffer, timeoutMilliseconds: 100)
        for byte in buffer[0..<read] {
            if case .reply(let reply) = decoder.feed(byte) { return (clock.now - start, reply) }
        }
    }
    return nil
}

do {
    // The first command after power-up answers A?R and is not executed.
    _ = try roundTrip("0VER")
    var samples: [Duration] = []
    samples.reserveCapacity(count)
    var replyBytes = 0
    for _ in 0..<count {
        guard let (elapsed, reply) = try roundTrip("0DIS") else {
            FileHandle.standardError.write(Data("serial-roundtrip: no reply to DIS within 1 s\n".utf8))
            exit(1)
        }
        replyBytes = reply.utf8.count + 2
        samples.append(elapsed)
    }
    samples.sort()
    func milliseconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1e3)
    }
    let requestBytes = NE1000Framing.basic("0DIS").count
    let wire = Double((requestBytes + replyBytes) * 10) / Double(baud) * 1e3
    print("DIS round trip over \(arguments[1]) at \(baud) baud, \(count) requests:")
    print("  median \(milliseconds(samples[count / 2])) ms, p99 \(milliseconds(samples[min(count - 1, count * 99 / 100)])) ms, max \(milliseconds(samples[count - 1])) ms")
    print("  wire time alone (\(requestBytes) + \(replyBytes) bytes at 10 bits each): \(String(format: "%.2f", wire)) ms")
} catch {
    FileHandle.standardError.write(Data("serial-roundtrip: \(error)\n".utf8))
    exit(1)
}
