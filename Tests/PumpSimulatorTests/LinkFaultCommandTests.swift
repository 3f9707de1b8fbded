import PumpSimulator
import Testing

/// `pumpsim serve`'s control lines: each fault parses, and a wrong line is told what is accepted.
@Suite("pumpsim serve's fault commands")
struct LinkFaultCommandTests {
    @Test(
        "every fault a serial test injects parses to itself",
        arguments: [
            ("crc 3", LinkFaultCommand.badCRC(count: 3)), ("garbage 48", .garbage(count: 48)), ("delay 170", .delay(milliseconds: 170)),
            ("silence on", .silence(true)), ("stall off", .stall(false)), ("disconnect", .disconnect), ("reconnect", .reconnect),
            ("empty", .empty(millilitres: 0.05)),
        ])
    func faultsParse(line: String, expected: LinkFaultCommand) throws {
        #expect(try LinkFaultCommand.parse(line).get() == expected)
    }

    @Test(
        "a wrong line is refused, saying what was expected",
        arguments: [
            ("crc 0", "crc: expected a reply count, 1…1000"), ("crc x", "crc: expected a reply count, 1…1000"),
            ("delay -1", "delay: expected milliseconds, 0…60000"), ("silence maybe", "silence: expected on or off"),
            ("disconnect now", "disconnect: takes no argument"), ("unplug", "unknown command \"unplug\""),
        ])
    func wrongLinesAreRefused(line: String, message: String) {
        guard case .failure(let error) = LinkFaultCommand.parse(line) else {
            Issue.record("\(line) was accepted")
            return
        }
        #expect(error.description.hasPrefix(message), "\(error)")
    }
}
