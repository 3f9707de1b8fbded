import GPIOPump
import InfusionCore
import InfusionTestSupport
import PumpHardware
import PumpSimulator
import Testing

/// The GPIO path in virtual time: the same backend code the board runs, against the simulator's
/// lines and physics (GPIO-002, GPIO-003).
@Suite("GPIO path")
struct GPIOPathTests {
    @Test("a ketamine program delivers within one step of ideal, with every pulse inside the DRV8825's timing")
    func programDeliversWithinOneStep() throws {
        var rig = try GPIORig()
        rig.board.recordStepTimes = true
        let plan = try rig.start(GPIORig.program(doseMilligramsPerKilogramPerHour: 1, hours: 0.1))
        let started = rig.now
        let stepsPerSecond = plan.rate.value * PumpMechanics.reference.stepsPerMillilitre(for: rig.syringe) / 3_600
        var worst = 0.0
        while rig.controller.state == .running {
            // Steps the driver took in this period's pulses, against the integral of the rate at the
            // period's instant.
            let ideal = Double((rig.now - started).nanoseconds) / 1e9 * stepsPerSecond
            rig.step()
            if rig.controller.state == .running { worst = max(worst, abs(Double(rig.board.stepsTaken) - ideal)) }
        }
        #expect([.completed, .keepVeinOpen].contains(rig.controller.state))
        #expect(worst <= 1, "worst difference from the ideal: \(worst) steps")
        let total = (plan.volume.value * PumpMechanics.reference.stepsPerMillilitre(for: rig.syringe)).rounded(.down)
        #expect(abs(Double(rig.board.stepsTaken) - total) <= 1)
        #expect(rig.board.stepsTaken == rig.commandedForward, "the driver took every step the tick commanded")
        #expect(rig.board.timingViolations == 0)
        #expect(rig.board.stepsWhileDisabled == 0)
        // The period that emitted the last step still had EN asserted; the next releases it.
        rig.step()
        let enabled = rig.board.driverEnabled
        #expect(enabled == rig.controller.state.isDelivering, "EN follows delivery")

        // Step timing error: each rising edge against the instant the ideal integral reaches it.
        let errors = rig.board.stepTimes.enumerated().map { index, time in
            Double((time - started).nanoseconds) / 1e3 - Double(index + 1) / stepsPerSecond * 1e6
        }
        let sorted = errors.sorted()
        let mean = errors.reduce(0, +) / Double(errors.count)
        print(
            "GPIO step timing (virtual, 1 ms period, \(String(format: "%.1f", stepsPerSecond)) steps/s, \(errors.count) steps):"
                + " error min \(Int(sorted.first ?? 0)) µs, mean \(Int(mean)) µs, p99 \(Int(sorted[sorted.count * 99 / 100])) µs,"
                + " max \(Int(sorted.last ?? 0)) µs; worst step count error \(worst)")
        // A step is due when the integral reaches it and emitted in the next period: never early,
        // and late by less than one period plus what precedes its rising edge within the period
        // (an HX711 read-out in `sample`, then DIR set-up and one pulse in `apply`).
        let timing = rig.map.stepper
        let withinPeriodMicroseconds = Double(
            HX711Reader.readOutNanoseconds + timing.directionSetupNanoseconds + timing.periodNanoseconds) / 1e3
        #expect((sorted.first ?? -1) >= 0)
        #expect(
            (sorted.last ?? .infinity) < 1_000 + withinPeriodMicroseconds,
            "no step later than one control period and the line work before it")
    }

    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case stall, runaway, clampOpened, endOfTravel, air, occlusion, forceSensor
        var testDescription: String { rawValue }

        var alarm: AlarmID {
            switch self {
            case .stall: .motorStall
            case .runaway: .deliveryMismatch
            case .clampOpened: .syringeDisengaged
            case .endOfTravel: .syringeEmpty
            case .air: .airInLine
            case .occlusion: .occlusion
            case .forceSensor: .forceSensorFault
            }
        }

        func inject(into board: inout SimulatedBoard) {
            switch self {
            case .stall: board.pump.faults.motorStalled = true
            case .runaway: board.pump.faults.runawayRate = MillilitresPerHour(5)
            case .clampOpened: board.pump.faults.syringeDisengaged = true
            case .endOfTravel: board.pump.leaveFluid(Millilitres(0.01))
            case .air: board.pump.injectAir(Millilitres(0.25))
            case .occlusion: board.pump.line.occluded = true
            case .forceSensor: board.pump.faults.forceSensorFailed = true
            }
        }
    }

    @Test("each fault raises its alarm and the enable line drops in the same control period", arguments: Fault.allCases)
    func faultDropsEnable(_ fault: Fault) throws {
        var rig = try GPIORig()
        _ = try rig.start()
        rig.board.bounces = 3
        rig.run(for: .seconds(2))
        #expect(rig.board.driverEnabled, "the driver is enabled while delivering")
        let injected = rig.now
        fault.inject(into: &rig.board)
        let took = rig.run(until: { $0.controller.alarms.isActive(fault.alarm) }, within: .minutes(5))
        let alarmAfter = try #require(took, "\(fault.alarm) not raised within 5 min")
        let alarmTick = rig.now - rig.period
        let forwardAtAlarm = rig.board.stepsTaken
        let enabledAtAlarm = rig.board.driverEnabled
        if fault == .occlusion {
            // DESIGN.md rule 7: the driver stays enabled only to back off; no forward step follows.
            #expect(rig.last.steps <= 0)
            let released = rig.run(until: { !$0.board.driverEnabled }, within: .seconds(5))
            #expect(released != nil, "EN released once the back-off is done")
            #expect(rig.board.stepsTaken <= forwardAtAlarm)
        } else {
            #expect(!enabledAtAlarm, "EN released in the period the alarm was raised")
        }
        rig.run(for: .seconds(1))
        let enabledAfter = rig.board.driverEnabled, stepsAfter = rig.board.stepsTaken
        #expect(!enabledAfter)
        #expect(stepsAfter <= forwardAtAlarm, "no forward step after the alarm")
        let nurseCalled = rig.board.nurseCalled
        #expect(nurseCalled, "a high-priority alarm calls the nurse")
        let line: PinFunction? = switch fault {
        case .clampOpened: .clamp
        case .endOfTravel: .endOfTravel
        case .air: .airInLine
        default: nil
        }
        if let line {
            let changed = try #require(rig.board.lastChange[line.rawValue], "\(line) never changed")
            // The air alarm waits for the bubble's volume to pass; the switches act on their edge.
            if fault != .air {
                #expect(alarmTick - changed < rig.period, "the \(line) edge reached the tick within one control period")
            }
        }
        print("GPIO path: \(fault.rawValue) → \(fault.alarm.name) after \(Double(alarmAfter.nanoseconds) / 1e6) ms (from \(injected.nanoseconds / 1_000_000) ms)")
    }

    @Test("the demand button is one request per press, however its contact bounces")
    func demandButton() throws {
        var rig = try GPIORig()
        rig.board.bounces = 4
        rig.board.demandPressed = true
        rig.run(for: .milliseconds(100))
        rig.board.demandPressed = false
        rig.run(for: .milliseconds(100))
        rig.board.demandPressed = true
        rig.run(for: .milliseconds(5))
        #expect(rig.device.demandPresses == 2)
    }

    @Test("encoder counting from edges matches the motor's encoder, with no edge missed")
    func encoderFollows() throws {
        var rig = try GPIORig()
        _ = try rig.start(GPIORig.program(doseMilligramsPerKilogramPerHour: 1, hours: 0.1))
        rig.run(for: .seconds(10))
        let expected = rig.board.pump.encoderCounts
        #expect(expected > 0)
        #expect(rig.device.encoderCounts == expected)
        #expect(rig.device.missedEncoderEdges == 0)
    }
}
