import InfusionCore
import PumpHardware
import SerialPump

/// One fuzz input as what a pump, or line noise, sends while a program starts and runs: the bytes
/// go through the reply decoder in each mode, every framed reply through the reply parser, and
/// the replies into an NE-1000 session, as the driver thread does, with requests going out
/// between bytes. The first byte picks basic or safe framing. Answers what went wrong short of a
/// trap: the session's counts must stay finite and never negative. Shared by `ne1000-reply-fuzz`
/// and the regression test.
public func ne1000ReplyInput(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    let safe = bytes.first.map { $0 & 1 == 1 } ?? true
    var session = NE1000Session(settings: SerialPumpSettings(safeModeTimeoutSeconds: safe ? 2 : 0))
    session.update(PumpTarget(running: true, rate: 2.45, volumeLimit: 5, diameter: 26.6))
    var decoders = [NE1000ReplyDecoder(mode: .basic), NE1000ReplyDecoder(mode: .safe), NE1000ReplyDecoder(mode: .either)]
    var now = ControlInstant(nanoseconds: 1_000_000_000)
    var commanded: Int64 = 0
    var problems: [String] = []
    for byte in bytes {
        now = now + .milliseconds(Int64(byte % 7))
        commanded += Int64(byte % 3)
        _ = session.nextRequest(at: now, commanded: commanded)
        decoders[2].mode = session.replyMode
        for index in decoders.indices {
            guard let incoming = decoders[index].feed(byte) else { continue }
            if case .reply(let text) = incoming { _ = NE1000Reply.parse(text) }
            if index == 2 { session.receive(incoming, at: now, commanded: commanded) }
        }
        session.checkTimeout(at: now)
        let confirmed = session.confirmedMillilitres
        let unconfirmed = session.unconfirmedMillilitres(at: now)
        if !confirmed.isFinite || confirmed < 0 || !unconfirmed.isFinite || unconfirmed < 0 {
            problems.append("confirmed \(confirmed) mL, unconfirmed \(unconfirmed) mL")
        }
    }
    _ = NE1000Reply.parse(String(decoding: bytes, as: UTF8.self))
    return problems
}
