import InfusionCore
import InfusionDaemon
import PropertyBased
import Testing

/// What bounds a client: the line cap and the request rate.
@Suite("Client limits")
struct ClientLimitTests {
    @Test("lines split at newlines, CR LF too, across any chunking")
    func linesSplitAcrossChunks() {
        var framer = LineFramer(maximumLineBytes: 64)
        var items = framer.feed(Array("{\"a\":1}\n{\"b\"".utf8))
        items += framer.feed(Array(":2}\r\n\n".utf8))
        #expect(items == [.line(Array("{\"a\":1}".utf8)), .line(Array("{\"b\":2}".utf8)), .line([])])
        #expect(framer.buffered == 0)
    }

    @Test("an overlong line is reported once and skipped to its end; the next line reads normally")
    func overlongLineIsSkipped() {
        var framer = LineFramer(maximumLineBytes: 8)
        var items = framer.feed(Array("0123456789".utf8))
        #expect(items.isEmpty && framer.buffered <= 8)
        items = framer.feed(Array("abcdef\nok\n".utf8))
        #expect(items == [.tooLong(16), .line(Array("ok".utf8))])
    }

    @Test("whatever arrives, memory held stays under the cap and every newline ends one item")
    func framerIsBounded() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...255).array(of: 0...600), Gen.int(in: 1...64)) { values, chunk in
            var framer = LineFramer(maximumLineBytes: 32)
            let bytes = values.map { UInt8($0) }
            var items: [LineFramer.Item] = []
            var start = 0
            while start < bytes.count {
                items += framer.feed(bytes[start..<min(start + chunk, bytes.count)])
                #expect(framer.buffered <= 32)
                start += chunk
            }
            #expect(items.count == bytes.filter { $0 == 0x0A }.count)
        }
    }

    @Test("the rate limiter admits a burst of its rate, then one per 1/rate s")
    func rateLimiterHoldsTheRate() {
        let start = ControlInstant(nanoseconds: 0)
        var limiter = RequestRateLimiter(perSecond: 20, at: start)
        let burst = (0..<50).filter { _ in limiter.admit(at: start) }.count
        #expect(burst == 20)
        let afterTen = limiter.admit(at: start + .milliseconds(10))
        #expect(!afterTen, "half a token after 10 ms")
        let afterFifty = limiter.admit(at: start + .milliseconds(50))
        #expect(afterFifty, "one token after 50 ms")
        var admitted = 0
        for millisecond in stride(from: 51, through: 10_050, by: 1) where limiter.admit(at: start + .milliseconds(Int64(millisecond))) {
            admitted += 1
        }
        #expect((199...201).contains(admitted), "\(admitted) in 10 s at 20/s")
    }
}
