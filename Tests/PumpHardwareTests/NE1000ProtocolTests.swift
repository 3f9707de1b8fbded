import InfusionCore
import PropertyBased
import PumpHardware
import Testing

@Suite("NE-1000 protocol codec")
struct NE1000ProtocolTests {
    /// The manual's safe-mode example: `02 08 'SAF0' 55 43 03`.
    @Test func safeModePacketMatchesTheManual() {
        #expect(NE1000Framing.safe("SAF0") == [0x02, 0x08, 0x53, 0x41, 0x46, 0x30, 0x55, 0x43, 0x03])
        #expect(CRC16.xmodem(Array("SAF0".utf8)) == 0x5543)
        // The standard CRC-16/XMODEM check value.
        #expect(CRC16.xmodem(Array("123456789".utf8)) == 0x31C3)
    }

    @Test func basicRequestEndsWithCarriageReturn() {
        #expect(NE1000Framing.basic("0DIA26.6") == Array("0DIA26.6\r".utf8))
        #expect(NE1000Framing.basicReply("00S26.60") == [0x02] + Array("00S26.60".utf8) + [0x03])
    }

    @Test(arguments: [
        (26.6, "26.60", "26.6"), (5_000, "5000.", "5000"), (0.35, "0.350", "0.35"), (12.25, "12.25", "12.25"),
        (123.45, "123.4", "123.4"), (9_999.9, "9999.", "9999"), (0.001, "0.001", "0.001"), (1.5, "1.500", "1.5"),
    ])
    func numbersHaveFourDigitsAndRepliesAlwaysAPoint(value: Double, reply: String, request: String) {
        #expect(NE1000Number.reply(value) == reply)
        #expect(NE1000Number.request(value) == request)
    }

    @Test func numbersThatDoNotFitAreRefused() {
        #expect(NE1000Number.reply(10_000) == nil)
        #expect(NE1000Number.reply(-1) == nil)
        #expect(NE1000Number.reply(.nan) == nil)
        for text in ["12345", "1.2345", "1..2", "", "-1", "1e3", " 1"] {
            #expect(NE1000Number.parse(Substring(text)) == nil, "\(text.debugDescription) was read")
        }
        #expect(NE1000Number.parse("5000.") == 5_000)
        #expect(NE1000Number.parse("26.6") == 26.6)
    }

    @Test(arguments: [
        ("00S26.60", NE1000Reply(address: 0, prompt: .stopped, body: .data("26.60"))),
        ("00I", NE1000Reply(address: 0, prompt: .infusing, body: .data(""))),
        ("07A?R", NE1000Reply(address: 7, prompt: nil, body: .alarm(.reset))),
        ("00A?T", NE1000Reply(address: 0, prompt: nil, body: .alarm(.safeModeTimeout))),
        ("00S?OOR", NE1000Reply(address: 0, prompt: .stopped, body: .error(.outOfRange))),
        ("00S?", NE1000Reply(address: 0, prompt: .stopped, body: .error(.unrecognised))),
        ("00SI0.000W0.000ML", NE1000Reply(address: 0, prompt: .stopped, body: .data("I0.000W0.000ML"))),
    ])
    func repliesParseAndPrintBack(text: String, expected: NE1000Reply) throws {
        #expect(try NE1000Reply.parse(text).get() == expected)
        #expect(expected.text == text)
    }

    @Test(arguments: [
        ("0", NE1000ReplyError.Code.tooShort), ("xxS", .badAddress), ("00Z12", .unknownPrompt),
        ("00A?Q", .unknownAlarm), ("00S?WHAT", .unknownError), ("00S1 2", .malformedData),
    ])
    func malformedRepliesAreClassified(text: String, code: NE1000ReplyError.Code) {
        #expect(NE1000Reply.parse(text) == .failure(NE1000ReplyError(code, reply: text)))
    }

    @Test func requestsSplitIntoAddressCommandAndParameters() {
        #expect(NE1000Request.parse("0DIA26.6") == NE1000Request(address: 0, command: "DIA", parameters: "26.6"))
        #expect(NE1000Request.parse("DIA") == NE1000Request(address: nil, command: "DIA", parameters: ""))
        #expect(NE1000Request.parse("12run") == NE1000Request(address: 12, command: "RUN", parameters: ""))
        #expect(NE1000Request.parse("0") == NE1000Request(address: 0, command: "", parameters: ""))
        #expect(NE1000Request.parse("123RAT") == nil)
        #expect(NE1000Request(address: 0, command: "RAT", parameters: "2.2MH").text == "0RAT2.2MH")
    }

    @Test func requestDecoderReadsBothModes() throws {
        var decoder = NE1000RequestDecoder()
        var now = ControlInstant.origin
        func feed(_ bytes: [UInt8]) -> [NE1000IncomingRequest] {
            bytes.compactMap { byte in
                now = now + .milliseconds(1)
                return decoder.feed(byte, at: now)
            }
        }
        #expect(feed(NE1000Framing.basic("0DIA26.6")) == [.basic("0DIA26.6")])
        #expect(feed(try #require(NE1000Framing.safe("SAF0"))) == [.safe("SAF0")])
        var corrupted = try #require(NE1000Framing.safe("0RUN"))
        corrupted[3] ^= 0x01
        #expect(feed(corrupted) == [.corruptSafePacket])
        #expect(feed(Array(repeating: UInt8(ascii: "A"), count: 70)) == [.overlong])
    }

    /// The manual: a partial packet is dropped after a 0.5 s gap between bytes.
    @Test func partialPacketIsDroppedAfterHalfASecondGap() {
        var decoder = NE1000RequestDecoder()
        for (index, byte) in Array("0DI".utf8).enumerated() {
            #expect(decoder.feed(byte, at: .origin + .milliseconds(Int64(index))) == nil)
        }
        var result: NE1000IncomingRequest?
        for (index, byte) in NE1000Framing.basic("0VER").enumerated() {
            result = decoder.feed(byte, at: .origin + .milliseconds(700 + Int64(index))) ?? result
        }
        #expect(result == .basic("0VER"))
        // Within the gap, bytes join the same packet.
        var joined = NE1000RequestDecoder()
        _ = joined.feed(UInt8(ascii: "0"), at: .origin)
        #expect(joined.feed(NE1000Framing.carriageReturn, at: .origin + .milliseconds(400)) == .basic("0"))
    }

    @Test func replyDecoderSkipsNoiseAndChecksSafePackets() throws {
        var basic = NE1000ReplyDecoder(mode: .basic)
        let noisy = Array("xx".utf8) + NE1000Framing.basicReply("00S")
        #expect(noisy.compactMap { basic.feed($0) } == [.garbage(count: 2), .reply("00S")])
        var safe = NE1000ReplyDecoder(mode: .safe)
        let packet = try #require(NE1000Framing.safe("00S5"))
        #expect(packet.compactMap { safe.feed($0) } == [.reply("00S5")])
        var bad = packet
        bad[bad.count - 2] ^= 0xFF
        #expect(bad.compactMap { safe.feed($0) } == [.corruptSafePacket])
    }

    /// Hostile bytes: neither decoder traps, and each keeps its buffer bounded.
    @Test func arbitraryBytesNeverTrapTheDecoders() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...255).array(of: 0...600), Gen.int(in: 0...800)) { bytes, gapMilliseconds in
            var request = NE1000RequestDecoder()
            var basic = NE1000ReplyDecoder(mode: .basic)
            var safe = NE1000ReplyDecoder(mode: .safe)
            var now = ControlInstant.origin
            for value in bytes {
                let byte = UInt8(value)
                now = now + .milliseconds(Int64(value == 0 ? gapMilliseconds : 1))
                _ = request.feed(byte, at: now)
                _ = basic.feed(byte)
                _ = safe.feed(byte)
            }
            // A valid request still gets through afterwards, once a gap has cleared the line.
            var last: NE1000IncomingRequest?
            now = now + .seconds(1)
            for byte in NE1000Framing.basic("0VER") {
                now = now + .milliseconds(1)
                last = request.feed(byte, at: now) ?? last
            }
            #expect(last == .basic("0VER"))
        }
    }
}
