import ControlProtocol
import GPIOPump
import InfusionCore
import InfusionDaemon
import InfusionTestSupport
import PumpHardware
import PumpSimulator
import Testing

/// The reference board in the daemon's loop, on the simulator's board: edges are stamped on the
/// board's clock (the kernel's CLOCK_MONOTONIC on hardware) while the loop runs in control time,
/// which after a restart is hours ahead of it.
@Suite("GPIO board in the daemon's loop")
struct GPIOBoardDeviceTests {
    /// A loop whose control time is offset from the board's clock, run period by period: by
    /// default an hour ahead (a journal from earlier boots); `kernelStart` far beyond `persisted`
    /// puts it behind instead (a new journal on a board up for days).
    struct Rig {
        let loop: ControlLoop<GPIOBoardDevice<SimulatedBoard>>
        let clock: LoopClock
        var kernelNow: ControlInstant

        init(persisted: ControlDuration = .hours(1), kernelStart: ControlDuration = .seconds(5)) throws {
            kernelNow = ControlInstant(nanoseconds: kernelStart.nanoseconds)
            let map = try PinMapParser.parse(try RepositoryFiles.text("hardware/pinmap.toml"), file: "hardware/pinmap.toml")
            var physics = SimulatedPump()
            physics.load(try RepositoryFiles.syringe(), fluid: Millilitres(50))
            let board = SimulatedBoard(pump: physics, map: map, startingAt: kernelNow)
            clock = LoopClock(persisted: persisted.nanoseconds, monotonicNow: kernelNow.nanoseconds)
            let device = try GPIOBoardDevice(lines: board, map: map, clock: clock, kernelNow: kernelNow)
            loop = ControlLoop(
                controller: InfusionController(settings: ControllerSettings(encoderFitted: map.encoderFitted)), device: device,
                clock: clock, validator: ProgramValidator(library: try RepositoryFiles.library()), progress: .empty, gauges: LoopGauges())
        }

        var controlNow: ControlInstant { clock.control(atMonotonic: kernelNow.nanoseconds) }

        mutating func run(for duration: ControlDuration) {
            let end = kernelNow + duration
            while kernelNow < end {
                kernelNow = kernelNow + .milliseconds(1)
                loop.device.pump.lines.advance(to: kernelNow)
                loop.period(at: controlNow)
            }
        }

        func status() -> StatusReport { loop.statusBoard.report() }

        func demandEvents() -> [LoopEvent] {
            var events: [LoopEvent] = []
            _ = loop.events.drain { if $0.kind == .demandPressed { events.append($0) } }
            return events
        }
    }

    @Test("with control time an hour ahead of the board, a button touched again within its 50 ms settle is still one press, recorded as one event")
    func demandPressIsDebouncedOnTheBoardsClock() throws {
        var rig = try Rig()
        rig.run(for: .milliseconds(50))
        rig.loop.device.pump.lines.demandPressed = true
        rig.run(for: .milliseconds(100))
        rig.loop.device.pump.lines.demandPressed = false
        rig.run(for: .milliseconds(5))
        rig.loop.device.pump.lines.demandPressed = true
        rig.run(for: .milliseconds(2))
        rig.loop.device.pump.lines.demandPressed = false
        rig.run(for: .milliseconds(100))
        let events = rig.demandEvents()
        #expect(events.map(\.code).reduce(0, +) == 1, "\(events)")
        #expect(rig.loop.device.demandPresses == 1)
    }

    @Test("with control time days behind the board (a new journal on a long-running board), a reclosed clamp clears syringe_disengaged after its settle")
    func clampSettlesOnTheBoardsClock() throws {
        var rig = try Rig(persisted: .zero, kernelStart: .hours(240))
        rig.run(for: .milliseconds(500))
        guard case .done = rig.loop.handle(.loadSyringe(try RepositoryFiles.syringe(), fill: Millilitres(50)), at: rig.controlNow) else {
            Issue.record("the syringe was refused")
            return
        }
        rig.loop.device.pump.lines.pump.faults.syringeDisengaged = true
        rig.run(for: .milliseconds(10))
        #expect(rig.status().alarms.contains { $0.id == "syringe_disengaged" }, "the opened clamp is seen at once")
        rig.loop.device.pump.lines.pump.faults.syringeDisengaged = false
        rig.run(for: .milliseconds(100))
        #expect(rig.loop.device.sample(at: rig.controlNow).syringeClamped, "the closed clamp settles after 20 ms of the board's time")
    }

    @Test("no syringe is accepted before the force sensor has given a reading; once it has, it is")
    func syringeWaitsForTheForceSensor() throws {
        var rig = try Rig()
        let syringe = try RepositoryFiles.syringe()
        guard case .notReady(let reason) = rig.loop.handle(.loadSyringe(syringe, fill: Millilitres(50)), at: rig.controlNow) else {
            Issue.record("a syringe was accepted before the HX711 read")
            return
        }
        #expect(reason.contains("force sensor has given no reading"))
        rig.run(for: .milliseconds(500))
        #expect(rig.loop.device.pump.forceSensor.readings > 0)
        guard case .done = rig.loop.handle(.loadSyringe(syringe, fill: Millilitres(50)), at: rig.controlNow) else {
            Issue.record("the syringe was refused after the force sensor read")
            return
        }
    }
}
