import InfusionCore
import InfusionTestSupport
import PumpHardware
import Testing

import PumpSimulator

/// The emulated NE-1000 against the manual, byte for byte.
@Suite("NE-1000 emulator")
struct NE1000EmulatorTests {
    /// An emulator with a 50 mL syringe holding 50 mL, fed through the pump's own byte decoder.
    struct Bench {
        var pump: NE1000Emulator
        var decoder = NE1000RequestDecoder()
        var now = ControlInstant.origin

        init(acknowledgePowerUp: Bool = true) throws {
            var physics = SimulatedPump()
            physics.load(try RepositoryFiles.syringe(), fluid: Millilitres(50))
            pump = NE1000Emulator(pump: physics, diameter: 26.6)
            if acknowledgePowerUp { _ = send("0\r") }
        }

        mutating func exchange(_ bytes: [UInt8]) -> [UInt8]? {
            var reply: [UInt8]?
            for byte in bytes {
                if let request = decoder.feed(byte, at: now) { reply = pump.receive(request, at: now) }
            }
            return reply
        }

        mutating func send(_ text: String) -> String? {
            exchange(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
        }

        /// The dispensed volumes a `DIS` reply reports, in its units.
        mutating func dispensed() -> (infused: Double, withdrawn: Double)? {
            guard let reply = send("0DIS\r"), let i = reply.firstIndex(of: "I", after: 4), let w = reply.lastIndex(of: "W")
            else { return nil }
            let infused = Double(reply[reply.index(after: i)..<w])
            let withdrawn = Double(reply[reply.index(after: w)...].prefix { $0.isNumber || $0 == "." })
            guard let infused, let withdrawn else { return nil }
            return (infused, withdrawn)
        }

        mutating func wait(_ duration: ControlDuration) -> String? {
            now = now + duration
            return pump.advance(to: now).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test("the first command after power-up answers A?R and is not executed")
    func powerUpAlarm() throws {
        var bench = try Bench(acknowledgePowerUp: false)
        #expect(bench.send("0DIA12.0\r") == "\u{02}00A?R\u{03}")
        #expect(bench.send("0DIA\r") == "\u{02}00S26.60\u{03}")
        #expect(bench.send("0DIA12.0\r") == "\u{02}00S\u{03}")
        #expect(bench.send("0DIA\r") == "\u{02}00S12.00\u{03}")
    }

    @Test("basic mode strips spaces and control characters and upper-cases")
    func basicModeCleaning() throws {
        var bench = try Bench()
        #expect(bench.send("0 dia 4.7\r") == "\u{02}00S\u{03}")
        #expect(bench.send("0DIA\r") == "\u{02}00S4.700\u{03}")
        #expect(bench.send("0VOL\r") == "\u{02}00S0.000UL\u{03}", "at or below 14.00 mm volumes are in µL")
        #expect(bench.send("0DIA 26.6\r") == "\u{02}00S\u{03}")
        #expect(bench.send("0VOL\r") == "\u{02}00S0.000ML\u{03}")
    }

    @Test("numbers print four digits and a decimal point; units follow")
    func numberFormatting() throws {
        var bench = try Bench()
        #expect(bench.send("0RAT5000UH\r") == "\u{02}00S\u{03}")
        #expect(bench.send("0RAT\r") == "\u{02}00S5000.UH\u{03}")
        #expect(bench.send("0RAT2.45MH\r") == "\u{02}00S\u{03}")
        #expect(bench.send("0RAT\r") == "\u{02}00S2.450MH\u{03}")
        #expect(bench.send("0VER\r") == "\u{02}00S\(NE1000Emulator.firmwareVersion)\u{03}")
        #expect(bench.send("0RAT12345MH\r") == "\u{02}00S?\u{03}", "five digits is no NE-1000 number")
    }

    @Test("errors: unknown command, out of range, not applicable")
    func errors() throws {
        var bench = try Bench()
        #expect(bench.send("0XYZ\r") == "\u{02}00S?\u{03}")
        #expect(bench.send("0RAT9999MM\r") == "\u{02}00S?OOR\u{03}", "faster than the drive at 26.6 mm")
        #expect(bench.send("0DIA 99\r") == "\u{02}00S?OOR\u{03}")
        #expect(bench.send("0RAT60MH\r") == "\u{02}00S\u{03}")
        #expect(bench.send("0VOL5\r") == "\u{02}00S\u{03}")
        #expect(bench.send("0RUN\r") == "\u{02}00I\u{03}")
        #expect(bench.send("0DIR WDR\r") == "\u{02}00I?NA\u{03}", "direction changes while pumping only with VOL 0")
        #expect(bench.send("0RAT 1 MM\r") == "\u{02}00I?NA\u{03}", "rate units cannot change while pumping")
        #expect(bench.send("0RAT 90 MH\r") == "\u{02}00I\u{03}", "the rate can")
        #expect(bench.send("0DIA 20\r") == "\u{02}00I?NA\u{03}")
    }

    @Test("addresses: another pump's request gets no answer; ADR moves the pump")
    func addresses() throws {
        var bench = try Bench()
        #expect(bench.send("1DIA\r") == nil)
        #expect(bench.send("DIA\r") == "\u{02}00S26.60\u{03}", "no address is address 0")
        #expect(bench.send("0ADR 7\r") == "\u{02}07S\u{03}")
        #expect(bench.send("0DIA\r") == nil)
        #expect(bench.send("7ADR\r") == "\u{02}07S7\u{03}")
        #expect(bench.send("07ADR 7 B9600\r") == "\u{02}07S\u{03}")
        #expect(bench.pump.baud == 9_600)
    }

    @Test("RUN, STP pauses, a second STP stops; DIS counts what was dispensed")
    func runPauseStop() throws {
        var bench = try Bench()
        _ = bench.send("0RAT 60 MH\r")
        #expect(bench.send("0RUN\r") == "\u{02}00I\u{03}")
        _ = bench.wait(.seconds(60))
        // One minute at 60 mL/h is 1 mL, counted in whole steps (2 879.4 per mL) and printed
        // truncated: 0.999 or 1.000.
        let runningReply = bench.dispensed()
        let running = try #require(runningReply)
        #expect(abs(running.infused - 1.0) < 0.0015 && running.withdrawn == 0)
        #expect(bench.send("0STP\r") == "\u{02}00P\u{03}")
        #expect(bench.send("0STP\r") == "\u{02}00S\u{03}")
        _ = bench.wait(.seconds(60))
        let stoppedReply = bench.dispensed()
        let stopped = try #require(stoppedReply)
        #expect(stopped.infused == running.infused, "nothing moves once stopped")
        #expect(bench.send("0CLD INF\r") == "\u{02}00S\u{03}")
        #expect(bench.send("0DIS\r") == "\u{02}00SI0.000W0.000ML\u{03}")
        #expect(abs(bench.pump.pump.deliveredToPatient.value - 1.0) < 0.01, "the physics moved the fluid")
    }

    @Test("a volume target stops the pump by itself")
    func volumeTarget() throws {
        var bench = try Bench()
        _ = bench.send("0RAT 120 MH\r")
        _ = bench.send("0VOL 0.5\r")
        _ = bench.send("0RUN\r")
        _ = bench.wait(.seconds(20))
        #expect(bench.send("0\r") == "\u{02}00S\u{03}")
        let reachedReply = bench.dispensed()
        let reached = try #require(reachedReply)
        #expect(abs(reached.infused - 0.5) < 0.0015)
    }

    @Test("safe mode: the manual's SAF0 packet, CRC framing both ways, ?COM for a bad CRC")
    func safeModeFraming() throws {
        var bench = try Bench()
        let enter = NE1000Framing.safe("0SAF5")!
        #expect(bench.exchange(enter) == NE1000Framing.safe("00S"))
        #expect(bench.exchange(NE1000Framing.safe("0DIA")!) == NE1000Framing.safe("00S26.60"))
        #expect(bench.exchange(Array("0DIA\r".utf8)) == NE1000Framing.safe("00S?COM"), "bare lines are invalid packets in safe mode")
        var corrupt = NE1000Framing.safe("0DIA")!
        corrupt[3] ^= 0x01
        #expect(bench.exchange(corrupt) == NE1000Framing.safe("00S?COM"))
        // The manual's own packet returns the pump to basic mode: 02 08 'SAF0' 55 43 03.
        let manualPacket: [UInt8] = [0x02, 0x08, 0x53, 0x41, 0x46, 0x30, 0x55, 0x43, 0x03]
        #expect(bench.exchange(manualPacket) == Array("\u{02}00S\u{03}".utf8))
        #expect(bench.pump.safeModeTimeout == 0)
    }

    @Test("safe-mode timeout stops the pump and sends A?T unasked; the next command gets it too")
    func safeModeTimeout() throws {
        var bench = try Bench()
        _ = bench.send("0RAT 60 MH\r")
        _ = bench.exchange(NE1000Framing.safe("0SAF2")!)
        _ = bench.exchange(NE1000Framing.safe("0RUN")!)
        #expect(bench.wait(.milliseconds(1_900)) == nil)
        _ = bench.exchange(NE1000Framing.safe("0")!)  // a heartbeat restarts the timeout
        #expect(bench.wait(.milliseconds(1_900)) == nil)
        #expect(bench.pump.prompt == .infusing)
        bench.now = bench.now + .milliseconds(200)
        #expect(bench.pump.advance(to: bench.now) == NE1000Framing.safe("00A?T"))
        #expect(bench.pump.prompt == .stopped)
        let dispensed = bench.pump.dispensed(.infuse)
        // 1.9 s, the heartbeat, then 2 s more: 3.9 s at 60 mL/h, within a step (0.35 µL).
        #expect(abs(dispensed.value - 3.9 / 60) < 0.000_4, "ran exactly until the timeout: \(dispensed)")
        #expect(bench.exchange(NE1000Framing.safe("0RUN")!) == NE1000Framing.safe("00A?T"))
        #expect(bench.pump.prompt == .stopped, "the alarm answered RUN instead of executing it")
    }

    @Test("a jammed drive, an occlusion and an empty syringe each stall the motor: A?S")
    func stalls() throws {
        for fault in ["jam", "occlusion", "empty"] {
            var bench = try Bench()
            if fault == "empty" {
                var physics = SimulatedPump()
                physics.load(try RepositoryFiles.syringe(), fluid: Millilitres(0.2))
                bench.pump = NE1000Emulator(pump: physics, diameter: 26.6)
                _ = bench.send("0\r")
            }
            _ = bench.send("0RAT 600 MH\r")
            _ = bench.send("0RUN\r")
            _ = bench.wait(.seconds(1))
            if fault == "jam" { bench.pump.pump.faults.motorStalled = true }
            if fault == "occlusion" { bench.pump.pump.line.occluded = true }
            _ = bench.wait(.seconds(30))
            #expect(bench.pump.prompt == .stopped, "\(fault)")
            #expect(bench.pump.alarmLog.map(\.0) == [.stalled], "\(fault)")
            #expect(bench.send("0RUN\r") == "\u{02}00A?S\u{03}", "\(fault)")
        }
    }
}

extension String {
    fileprivate func firstIndex(of character: Character, after offset: Int) -> Index? {
        self[index(startIndex, offsetBy: offset)...].firstIndex(of: character)
    }
}
