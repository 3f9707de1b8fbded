import InfusionCore
import InfusionTestSupport
import PumpHardware
import PumpSimulator
import SerialPump
import Testing

/// The driver's session against the emulated pump in virtual time, wire to wire with no I/O:
/// what happens when a reply is lost (SERIAL-002, SERIAL-004).
@Suite("NE-1000 session")
struct NE1000SessionTests {
    struct Line {
        var session = NE1000Session(settings: SerialPumpSettings())
        var pump: NE1000Emulator
        var pumpDecoder = NE1000RequestDecoder()
        var hostDecoder = NE1000ReplyDecoder(mode: .either)
        var now = ControlInstant(nanoseconds: 1_000_000_000)
        /// Once a request starting with this has reached the pump, the line is cut both ways: its
        /// reply and everything after are lost.
        var cutAfter: String?
        var cut = false
        /// Every request the session put on the wire, as text.
        var sent: [String] = []

        init() throws {
            var physics = SimulatedPump()
            physics.load(try RepositoryFiles.syringe(), fluid: Millilitres(50))
            pump = NE1000Emulator(pump: physics, diameter: 26.6, startingAt: now)
        }

        /// Runs the conversation for `duration` in 1 ms steps; the pump answers at once.
        mutating func run(for duration: ControlDuration, wanting target: PumpTarget) {
            let end = now + duration
            while now < end {
                now = now + .milliseconds(1)
                let alarm = pump.advance(to: now)
                let unsolicited = cut ? nil : alarm
                hostDecoder.mode = session.replyMode
                for byte in unsolicited ?? [] {
                    if let incoming = hostDecoder.feed(byte) { session.receive(incoming, at: now, commanded: 0) }
                }
                session.update(target)
                if let outgoing = session.nextRequest(at: now, commanded: 0) {
                    sent.append(outgoing.text)
                    var reply: [UInt8]?
                    if !cut {
                        for byte in outgoing.bytes {
                            if let request = pumpDecoder.feed(byte, at: now) { reply = pump.receive(request, at: now) }
                        }
                    }
                    if let cutAfter, outgoing.text.hasPrefix(cutAfter) { cut = true }
                    if cut { reply = nil }
                    hostDecoder.mode = session.replyMode
                    for byte in reply ?? [] {
                        if let incoming = hostDecoder.feed(byte) { session.receive(incoming, at: now, commanded: 0) }
                    }
                }
                session.checkTimeout(at: now)
            }
        }

        /// Runs until `condition` holds, at most `limit`; answers how long it took, or nil.
        mutating func run(
            until condition: (Line) -> Bool, within limit: ControlDuration, wanting target: PumpTarget
        ) -> ControlDuration? {
            let start = now
            while now - start < limit {
                run(for: .milliseconds(10), wanting: target)
                if condition(self) { return now - start }
            }
            return nil
        }
    }

    static let running = PumpTarget(running: true, rate: 60, volumeLimit: 5, diameter: 26.6)

    @Test("a lost reply to RUN is a fault, and the delivery it may have started is assumed until DIS settles it")
    func lostRunReply() throws {
        var line = try Line()
        line.cutAfter = "0RUN"
        line.run(for: .milliseconds(200), wanting: Self.running)
        #expect(line.session.fault == .noReply(command: "0RUN"))
        #expect(line.pump.prompt == .infusing, "the pump did start: only the line failed")
        // The loop sees the fault and stops wanting delivery; its STPs are lost too.
        line.run(for: .seconds(1), wanting: .stopped)
        let assumed = line.session.unconfirmedMillilitres(at: line.now)
        let truth = line.pump.dispensed(.infuse).value
        #expect(assumed >= truth, "assumed \(assumed) mL, the pump pushed \(truth) mL")
        // Bounded by the safe-mode timeout (2 s at 60 mL/h is 0.0333 mL) however long it lasts.
        line.run(for: .seconds(5), wanting: .stopped)
        let bounded = line.session.unconfirmedMillilitres(at: line.now)
        #expect(bounded <= 60.0 * 2.3 / 3_600 && bounded >= line.pump.dispensed(.infuse).value)
        #expect(line.pump.prompt == .stopped, "the pump stopped itself (A?T)")
        // The line recovers: DIS proves what was delivered and the assumption is dropped.
        line.cut = false
        line.cutAfter = nil
        line.run(for: .seconds(1), wanting: .stopped)
        #expect(line.session.unconfirmedMillilitres(at: line.now) == 0)
        #expect(abs(line.session.confirmedMillilitres - line.pump.dispensed(.infuse).value) <= 0.001)
        #expect(line.session.fault == nil, "the fault clears once the loop has stopped and the pump answers")
    }

    /// Found by the NE-1000 reply fuzzer: a fault clears the start plan, and the reply to the
    /// start step already on the wire then removed a step from the empty plan, a trap that would
    /// have taken the daemon down.
    @Test("noise on the line while a start step waits for its reply, then the reply: a fault and a stop, not a trap")
    func replyAfterNoiseDuringStart() throws {
        var line = try Line()
        line.run(for: .milliseconds(50), wanting: .stopped)
        line.session.update(Self.running)
        let request = line.session.nextRequest(at: line.now, commanded: 0)
        let diameter = try #require(request)
        #expect(diameter.text.hasPrefix("0DIA"), "\(diameter.text)")
        var reply: [UInt8] = []
        for byte in diameter.bytes {
            if let request = line.pumpDecoder.feed(byte, at: line.now) { reply = line.pump.receive(request, at: line.now) ?? [] }
        }
        line.session.receive(.garbage(count: 3), at: line.now, commanded: 0)
        line.hostDecoder.mode = line.session.replyMode
        for byte in reply {
            if let incoming = line.hostDecoder.feed(byte) { line.session.receive(incoming, at: line.now, commanded: 0) }
        }
        #expect(line.session.fault == .malformedReply("3 stray bytes on the line"))
        let next = line.session.nextRequest(at: line.now + .milliseconds(1), commanded: 0)
        #expect(next?.text == "0STP", "the pump is told to stop: \(next?.text ?? "nothing")")
    }

    @Test("an occluded line stalls the pump's motor: A?S reaches the loop as a motor stall and the pump is stopped")
    func occlusionThroughTheDriver() throws {
        var line = try Line()
        let fast = PumpTarget(running: true, rate: 600, volumeLimit: 20, diameter: 26.6)
        let started = line.run(until: { $0.pump.prompt == .infusing }, within: .seconds(2), wanting: fast)
        #expect(started != nil, "the session programs and starts the pump")
        line.run(for: .seconds(2), wanting: fast)
        line.pump.pump.line.occluded = true
        let took = line.run(until: { $0.session.fault != nil }, within: .seconds(120), wanting: fast)
        let alarmAfter = try #require(took, "no fault within 120 s of occluding the line")
        #expect(line.session.fault == .pumpAlarm(.stalled))
        #expect(line.session.fault?.alarm == .motorStall)
        #expect(line.session.stalled)
        #expect(line.pump.prompt == .stopped)
        #expect(line.pump.pump.line.pressure > 500, "the motor stalls against the blocked line")
        // The loop stops wanting delivery; the session must not restart the pump while stalled.
        line.run(for: .seconds(2), wanting: .stopped)
        #expect(line.pump.prompt == .stopped)
        #expect(abs(line.session.confirmedMillilitres - line.pump.dispensed(.infuse).value) <= line.session.resolutionMillilitres)
        print("occlusion at 600 mL/h: A?S reached the session \(alarmAfter) after occluding")
    }

    @Test("a completed program leaves the pump to stop at its own volume target, which DIS reports within the last digit")
    func finishingStopsAtVolumeTarget() throws {
        var line = try Line()
        let running = PumpTarget(running: true, rate: 600, volumeLimit: 0.5, diameter: 26.6)
        let nearlyDone = line.run(until: { $0.session.confirmedMillilitres >= 0.4 }, within: .seconds(10), wanting: running)
        #expect(nearlyDone != nil, "the pump infuses and DIS follows it")
        // The loop's program completes: it no longer stops the pump, which ends at its VOL.
        var finishing = running
        finishing.running = false
        finishing.finishing = true
        let stopped = line.run(until: { $0.pump.prompt == .stopped }, within: .seconds(5), wanting: finishing)
        #expect(stopped != nil, "the pump stops itself at its volume target")
        line.run(for: .seconds(1), wanting: finishing)
        let truth = line.pump.dispensed(.infuse).value
        #expect(abs(truth - 0.5) <= 1.0 / PumpMechanics.reference.stepsPerMillilitre(forDiameter: 26.6), "pushed \(truth) mL")
        #expect(abs(line.session.confirmedMillilitres - truth) <= line.session.resolutionMillilitres)
        #expect(line.session.unconfirmedMillilitres(at: line.now) == 0)
        #expect(line.session.fault == nil)
        #expect(line.pump.alarmLog.isEmpty || line.pump.alarmLog.allSatisfy { $0.0 == .reset })
    }

    @Test("a new session (a restarted daemon) does not take the count an earlier host's run left in the pump as its own")
    func earlierHostsCountIsNotOurs() throws {
        var line = try Line()
        let running = PumpTarget(running: true, rate: 600, volumeLimit: 5, diameter: 26.6)
        let infused = line.run(until: { $0.session.confirmedMillilitres >= 0.2 }, within: .seconds(10), wanting: running)
        #expect(infused != nil, "the first host's run infuses")
        // The first host dies: the pump stops by its safe-mode timeout, its DIS count kept.
        line.cut = true
        line.run(for: .seconds(5), wanting: running)
        #expect(line.pump.prompt != .infusing, "the pump stops when its host goes quiet")
        let left = line.pump.dispensed(.infuse).value
        #expect(left >= 0.2)
        // The restarted host: a new session on the same pump, idle.
        line.cut = false
        line.session = NE1000Session(settings: SerialPumpSettings())
        line.hostDecoder = NE1000ReplyDecoder(mode: .either)
        let answered = line.run(until: { $0.session.handshakeDone && $0.session.reading > 1 }, within: .seconds(5), wanting: .stopped)
        #expect(answered != nil, "the new session polls the pump")
        #expect(line.session.confirmedMillilitres == 0, "\(left) mL was the earlier host's, counted by its own ledger")
        #expect(line.session.fault == nil)
    }
}
