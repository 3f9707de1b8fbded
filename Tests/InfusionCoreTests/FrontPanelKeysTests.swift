import InfusionCore
import InfusionTestSupport
import Testing

/// KEYS-001, issue 15: the pump's STOP and SILENCE keys act in the tick, with no socket involved.
@Suite("Front-panel keys")
struct FrontPanelKeysTests {
    @Test("STOP pauses delivery within the tick, holds it while held, and start, resume and prime wait for its release")
    func stopPausesAndHolds() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(5))
        bench.motor.sensors.stopKeyHeld = true
        let actuation = bench.run(for: .milliseconds(1))
        #expect(bench.controller.state == .paused && actuation.steps == 0)
        let steps = bench.motor.forwardSteps
        bench.run(for: .seconds(30))
        #expect(bench.motor.forwardSteps == steps, "nothing moves while STOP is held")
        for command in [TechnicianCommand.resume, .start] {
            guard case .failure(let refusal) = bench.controller.handle(command, at: bench.now) else {
                Issue.record("\(command) accepted with STOP held")
                continue
            }
            #expect(refusal.description.contains("KEYS-001"), "\(refusal)")
        }
        bench.motor.sensors.stopKeyHeld = false
        bench.run(for: .milliseconds(1))
        try bench.command(.resume)
        bench.run(for: .seconds(5))
        #expect(bench.motor.forwardSteps > steps, "delivery goes on once released and resumed")
    }

    @Test("STOP ends a prime at once")
    func stopEndsAPrime() throws {
        var bench = try Bench()
        try bench.command(.loadSyringe(bench.syringe, fill: Millilitres(50)))
        try bench.command(.prime(Millilitres(2)))
        bench.run(for: .milliseconds(100))
        #expect(bench.controller.state == .priming)
        bench.motor.sensors.stopKeyHeld = true
        bench.run(for: .milliseconds(1))
        #expect(bench.controller.state == .syringeLoaded)
        let steps = bench.motor.forwardSteps
        bench.run(for: .seconds(5))
        #expect(bench.motor.forwardSteps == steps)
        #expect((try? bench.controller.handle(.prime(Millilitres(1)), at: bench.now).get()) == nil, "no prime while STOP is held")
    }

    @Test("SILENCE pauses the sound of an active alarm, and a press with no alarm active stores nothing for later")
    func silencePausesAudio() throws {
        var bench = try Bench()
        try bench.startInfusion()
        bench.run(for: .seconds(1))
        // A press with nothing sounding: the next alarm must still sound.
        bench.motor.sensors.silenceKeyPresses += 1
        bench.run(for: .milliseconds(1))
        try bench.command(.pause)
        bench.run(for: ControllerSettings().pausedCallBack + .seconds(1))
        #expect(bench.controller.alarms.isActive(.pausedTooLong))
        #expect(bench.controller.alarms.indicator(at: bench.now).audible, "an earlier press silenced nothing in advance")
        bench.motor.sensors.silenceKeyPresses += 1
        bench.run(for: .milliseconds(1))
        #expect(!bench.controller.alarms.indicator(at: bench.now).audible, "the press paused the sound")
        #expect(bench.controller.alarms.isActive(.pausedTooLong), "silence is not acknowledgement")
    }
}
