import Foundation
import GPIOPump
import PumpHardware

extension Checks {
    /// EN at its enabled level only while delivering; STEP and DIR as commanded; encoder edges
    /// through the kernel counted; EN back to disabled when the process is killed.
    mutating func enableFollowsDelivery() {
        scenario("enable follows delivery") { checks in
            let process = try checks.launch()
            defer { process.kill() }
            if let taken = process.lines.first(where: { $0.string("event") == "lines_taken" }) {
                checks.figure("libgpiod under TCG", "one line write \(taken.int("line_write_nanoseconds")) ns, one read \(taken.int("line_read_nanoseconds")) ns")
            }
            checks.check("EN released before start", !checks.board.asserted(.enable), "EN line reads disabled with lines taken, idle")
            let trace = try KernelTrace(board: checks.board)
            let before = try trace.steps()
            let watcher = StepWatcher(board: checks.board)
            watcher.start()
            let running = try checks.startDelivering(process)
            checks.check("EN enabled while delivering", checks.board.asserted(.enable), "EN line reads enabled once running")

            var disabledSamples = 0
            for _ in 0..<300 {
                if !checks.board.asserted(.enable) { disabledSamples += 1 }
                usleep(10_000)
            }
            checks.check("EN stays enabled through delivery", disabledSamples == 0, "\(disabledSamples) of 300 samples over 3 s read disabled")

            let pauseSent = monotonicNanoseconds()
            process.send("pause")
            let paused = try process.await("paused", after: pauseSent, within: 5) { $0.string("state") == "paused" }
            let released = try checks.awaitReleased("EN released on pause")
            checks.check("EN released on pause", true, "disabled \(microseconds(released)) µs after the paused line was read")
            // The last pulse has ended by the paused tick; give the watcher and the kernel's
            // encoder events a few periods to land.
            let settled = try process.await("a status after pause", after: paused.int("at") + 50_000_000, within: 5) {
                $0.string("event") == "status"
            }
            watcher.stop()
            let seen = watcher.current
            let after = try trace.steps()
            let traced = (rises: after.rises - before.rises, backward: after.backward - before.backward)
            let emitted = settled.int("motor_steps") - running.int("motor_steps")
            checks.check(
                "STEP pulses as commanded", traced.rises == Int(emitted) && emitted > 0,
                "emitted \(emitted), rising edges the kernel set on the line \(traced.rises) (gpio_value trace)")
            checks.check("DIR forward at every step", traced.backward == 0 && traced.rises > 0, "\(traced.backward) of \(traced.rises) steps with DIR backward")
            if checks.board.map.encoderFitted {
                let counted = settled.int("encoder_counts") - running.int("encoder_counts")
                checks.check(
                    "encoder edges counted through the kernel", counted == seen.encoderCounts,
                    "written \(seen.encoderCounts) counts in quadrature, backend counted \(counted)")
            }
            checks.figure("step watcher (sysfs sampling)", "\(seen.samples) STEP samples, \(seen.rises) of \(emitted) pulses seen")
            checks.figure("harness loop", "\(settled.int("ticks")) ticks, \(settled.int("overruns")) overran the 1 ms period (TCG)")
            let costs = (settled["period_cost_microseconds"] as? [NSNumber])?.map(\.intValue) ?? []
            checks.figure(
                "period cost under TCG, sample + tick + apply with the widened STEP pulses and the HX711 read-out",
                "p50 \(costs.first ?? -1) µs, p99 \(costs.dropFirst().first ?? -1) µs, max \(costs.last ?? -1) µs")

            process.send("resume")
            _ = try process.await("running again", after: paused.int("at"), within: 5) { $0.string("state") == "running" }
            try waitUntil("EN enabled after resume", within: 2) { checks.board.asserted(.enable) }
            let killed = monotonicNanoseconds()
            process.kill()
            try waitUntil("EN released after SIGKILL", within: 2) { !checks.board.asserted(.enable) }
            checks.check(
                "EN released when the process is killed", true,
                "disabled \(microseconds(monotonicNanoseconds() - killed)) µs after SIGKILL (the line returns to the board's pull-up)")
        }
    }

    /// Closes a contact mid-delivery and expects `alarm` in the first tick after the edge, with EN
    /// released in that tick.
    mutating func inputRaisesAlarm(_ name: String, _ function: PinFunction, asserted: Bool, alarm: String) {
        scenario(name) { checks in
            let process = try checks.launch()
            defer { process.kill() }
            _ = try checks.startDelivering(process)
            let written = monotonicNanoseconds()
            checks.board.drive(function, asserted: asserted)
            let raised = try process.await("\(alarm) alarm", after: written, within: 5) {
                $0.string("event") == "alarm" && $0.string("alarm") == alarm
            }
            checks.check("\(name) raises \(alarm)", true, "state \(raised.string("state") ?? "?")")
            checks.checkActedOnInReceivingPeriod(name, raised, since: written)
            checks.check("\(name) drops EN in the same tick", raised.bool("enable_asserted") == false, "enable_asserted after that tick's apply: \(raised.bool("enable_asserted").map(String.init) ?? "absent")")
            let released = try checks.awaitReleased("EN released after \(name)")
            checks.figure("\(name): EN line disabled", "\(microseconds(released)) µs after the alarm line was read")
        }
    }

    mutating func demandButton() {
        scenario("demand button") { checks in
            let process = try checks.launch()
            defer { process.kill() }
            _ = try checks.startDelivering(process)
            let written = monotonicNanoseconds()
            checks.board.drive(.demandButton, asserted: true)
            let press = try process.await("demand press", after: written, within: 5) { $0.string("event") == "demand" }
            checks.check("demand button press is one request", press.int("demand_presses") == 1, "demand_presses \(press.int("demand_presses")), state \(press.string("state") ?? "?")")
            checks.checkActedOnInReceivingPeriod("demand button", press, since: written)
            checks.board.drive(.demandButton, asserted: false)
        }
    }

    /// KEYS-001: STOP pauses delivery in the tick that receives its edge and holds it while held;
    /// SILENCE, once its press has settled (a doubtful SILENCE quiets nothing), pauses the sound of
    /// a sounding alarm. Both through the kernel, with no socket anywhere.
    mutating func frontPanelKeys() {
        scenario("STOP and SILENCE keys") { checks in
            let process = try checks.launch()
            defer { process.kill() }
            _ = try checks.startDelivering(process)
            let pressed = monotonicNanoseconds()
            checks.board.drive(.stopKey, asserted: true)
            let stop = try process.await("STOP read", after: pressed, within: 5) {
                $0.string("event") == "stop_key" && $0.bool("stop_key_held") == true
            }
            checks.check(
                "STOP pauses delivery and drops EN in the tick that reads it",
                stop.string("state") == "paused" && stop.bool("enable_asserted") == false,
                "state \(stop.string("state") ?? "?"), enable_asserted \(stop.bool("enable_asserted").map(String.init) ?? "absent")")
            checks.checkActedOnInReceivingPeriod("STOP key", stop, since: pressed)
            let resumeSent = monotonicNanoseconds()
            process.send("resume")
            let refused = try process.await("resume refused", after: resumeSent, within: 5) { $0.string("event") == "refused" }
            checks.check("no resume while STOP is held", (refused.string("reason") ?? "").contains("KEYS-001"), refused.string("reason") ?? "")
            let released = monotonicNanoseconds()
            checks.board.drive(.stopKey, asserted: false)
            _ = try process.await("STOP released", after: released, within: 5) {
                $0.string("event") == "stop_key" && $0.bool("stop_key_held") == false
            }
            let resumed = monotonicNanoseconds()
            process.send("resume")
            _ = try process.await("running again", after: resumed, within: 5) { $0.string("state") == "running" }

            let opened = monotonicNanoseconds()
            checks.board.drive(.clamp, asserted: false)
            _ = try process.await("an alarm sounding", after: opened, within: 5) { $0.string("event") == "alarm" }
            let silenced = monotonicNanoseconds()
            checks.board.drive(.silenceKey, asserted: true)
            let press = try process.await("SILENCE read", after: silenced, within: 5) { $0.string("event") == "silence_key" }
            checks.board.drive(.silenceKey, asserted: false)
            checks.check(
                "SILENCE pauses the alarm sound", press.int("silence_key_presses") == 1 && press.bool("audible") == false,
                "presses \(press.int("silence_key_presses")), audible \(press.bool("audible").map(String.init) ?? "absent")")
            checks.figure("SILENCE: kernel's edge stamp to the tick that acted", "\(microseconds(press.int("at") - press.int("edge_at"))) µs (50 ms settling)")
            var buzzing = 0
            for _ in 0..<50 {
                if checks.board.asserted(.buzzer) { buzzing += 1 }
                usleep(10_000)
            }
            checks.check("the buzzer line stays off once silenced", buzzing == 0, "\(buzzing) of 50 samples over 0.5 s read the buzzer on")
        }
    }

    /// The HX711 read for real through the kernel: DOUT held low is a stuck line, never 0 N, and
    /// no syringe is accepted without a reading.
    mutating func forceSensorAbsent() {
        scenario("force sensor absent") { checks in
            let process = try checks.launch(modelledHX711: false, hx711DataHigh: false)
            defer { process.kill() }
            let stuck = try process.await("stuck read-outs", within: 5) { $0.int("stuck_readouts") > 0 }
            checks.check(
                "DOUT stuck low is not a reading", stuck.int("force_readings") == 0,
                "\(stuck.int("stuck_readouts")) read-outs dropped, \(stuck.int("force_readings")) readings")
            let sent = monotonicNanoseconds()
            process.send("start")
            let refused = try process.await("start refused", after: sent, within: 5) { $0.string("event") == "refused" }
            checks.check("start refused without a force reading", (refused.string("reason") ?? "").contains("force sensor"), refused.string("reason") ?? "")
            checks.check("EN released throughout", !checks.board.asserted(.enable), "EN line reads disabled")
        }
    }

    /// A second backend on the same lines must not start, and must say which line and who has it.
    mutating func lineHeld() {
        scenario("line held by another process") { checks in
            let first = try checks.launch()
            defer { first.kill() }
            let second = try HarnessProcess(executable: checks.harness, arguments: checks.harnessArguments)
            try second.waitForExit(within: 30)
            let log = second.log.trimmingCharacters(in: .whitespacesAndNewlines)
            checks.check(
                "second backend refused, naming chip and line",
                second.exitStatus == 1 && log.contains("held by another process") && log.contains("consumer \"gpiopump-harness\""), "exit \(second.exitStatus.map(String.init) ?? "none"): \(log)")
        }
    }

    /// GPIO-007: a chip is found by every name v1's `gpiod_chip_open_lookup` takes (label, name,
    /// number, path) on both APIs; v2 has no lookup of its own, so the backend looks through
    /// `/dev/gpiochip*` (a number once never matched there).
    mutating func chipLookup() {
        scenario("chip found by label, name, number and path") { checks in
            let name = URL(fileURLWithPath: checks.board.chip.directory).lastPathComponent
            let device = "/dev/\(name)"
            let number = String(name.dropFirst("gpiochip".count))
            let label = checks.board.map[.step]?.address.chip ?? "?"
            for found in [label, name, number, device] {
                checks.check("chip found as \"\(found)\" (\(LibGPIODLines.api))", LibGPIODLines.chipPresent(found), "\(device), label \(label)")
            }
            for absent in ["gpiochip97", "97", "/dev/gpiochip97", "no-such-label"] {
                checks.check("no chip \"\(absent)\"", !LibGPIODLines.chipPresent(absent), "looked through /dev/gpiochip*")
            }
        }
    }
}
