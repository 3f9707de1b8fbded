import Foundation
import GPIOPump
import InfusionCore
import PumpHardware

/// The loop: sample, tick, apply every 1 ms on an absolute CLOCK_MONOTONIC deadline. After each
/// period, outside the tick, it reports what changed and reads commands.
struct HarnessLoop {
    static let period = ControlDuration.milliseconds(1)

    var device: GPIOStepperPump<HarnessLines>
    var controller: InfusionController
    let syringe: SyringeSpec
    let library: DrugLibrary
    let dose: Double
    let start: ControlInstant

    private var ticks: Int64 = 0
    private var overruns: Int64 = 0
    private var previousTick: ControlInstant
    private var reportedState: InfusionState?
    private var reportedAlarms: UInt32 = 0
    private var reportedPresses: Int64 = 0
    private var reportedStopHeld = false
    private var reportedSilencePresses: Int64 = 0
    private var nextStatus: ControlInstant
    private var commands = CommandReader()
    private var costs = PeriodCosts()

    init(
        device: GPIOStepperPump<HarnessLines>, controller: InfusionController, syringe: SyringeSpec, library: DrugLibrary,
        dose: Double, start: ControlInstant
    ) {
        self.device = device
        self.controller = controller
        self.syringe = syringe
        self.library = library
        self.dose = dose
        self.start = start
        previousTick = start
        nextStatus = start
    }

    mutating func run() {
        var deadline = MonotonicClock.now()
        while true {
            let now = MonotonicClock.now()
            device.lines.advanceModel(to: now)
            device.lines.tickStartedAt = now
            let sensors = device.sample(at: now)
            let actuation = controller.tick(now: now, sensors: sensors)
            device.apply(actuation, at: now, interval: Self.period)
            costs.record(nanoseconds: (MonotonicClock.now() - now).nanoseconds)
            ticks += 1
            report(sensors, at: now)
            previousTick = now
            if ticks % 10 == 0 {
                for command in commands.pending() {
                    guard command != "quit" else { return }
                    handle(command, at: MonotonicClock.now())
                }
            }
            deadline = deadline + Self.period
            let after = MonotonicClock.now()
            if deadline < after {
                overruns += 1
                deadline = after
            }
            var spec = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil)
        }
    }

    /// Each new alarm, demand press and key change with the edge behind it, each change of state,
    /// and a status line every 100 ms.
    private mutating func report(_ sensors: SensorSnapshot, at now: ControlInstant) {
        let active = AlarmSystem.mask { controller.alarms.isActive($0) }
        if active & ~reportedAlarms != 0 {
            for alarm in AlarmID.allCases where controller.alarms.isActive(alarm) && reportedAlarms & AlarmSystem.mask({ $0 == alarm }) == 0 {
                var line = status("alarm", at: now)
                line.alarm = alarm.name
                line.edgeAt = Self.cause(of: alarm).flatMap { device.lines.lastEdge[$0.rawValue]?.nanoseconds }
                line.edgeReceivedAt = Self.cause(of: alarm).flatMap { device.lines.lastEdgeReceived[$0.rawValue]?.nanoseconds }
                line.previousTickAt = previousTick.nanoseconds
                line.print()
            }
        }
        reportedAlarms = active
        if device.demandPresses != reportedPresses {
            reportedPresses = device.demandPresses
            var line = status("demand", at: now)
            line.edgeAt = device.lines.lastEdge[PinFunction.demandButton.rawValue]?.nanoseconds
            line.edgeReceivedAt = device.lines.lastEdgeReceived[PinFunction.demandButton.rawValue]?.nanoseconds
            line.previousTickAt = previousTick.nanoseconds
            line.print()
        }
        if sensors.stopKeyHeld != reportedStopHeld {
            reportedStopHeld = sensors.stopKeyHeld
            keyLine("stop_key", .stopKey, sensors, at: now).print()
        }
        if sensors.silenceKeyPresses != reportedSilencePresses {
            reportedSilencePresses = sensors.silenceKeyPresses
            keyLine("silence_key", .silenceKey, sensors, at: now).print()
        }
        if controller.state != reportedState {
            reportedState = controller.state
            status("state", at: now).print()
        }
        if now >= nextStatus {
            nextStatus = now + .milliseconds(100)
            status("status", at: now).print()
        }
    }

    /// A key's change, with the kernel's stamp on its edge and what the tick did with it.
    private func keyLine(_ event: String, _ key: PinFunction, _ sensors: SensorSnapshot, at now: ControlInstant) -> HarnessReport {
        var line = status(event, at: now)
        line.edgeAt = device.lines.lastEdge[key.rawValue]?.nanoseconds
        line.edgeReceivedAt = device.lines.lastEdgeReceived[key.rawValue]?.nanoseconds
        line.previousTickAt = previousTick.nanoseconds
        line.stopKeyHeld = sensors.stopKeyHeld
        line.silenceKeyPresses = sensors.silenceKeyPresses
        line.audible = controller.alarms.indicator(at: now).audible
        return line
    }

    private func status(_ event: String, at now: ControlInstant) -> HarnessReport {
        var line = HarnessReport(event, at: now.nanoseconds)
        line.state = controller.state.description
        line.enableAsserted = device.enableAsserted
        line.motorSteps = device.motorSteps
        line.encoderCounts = device.encoderCounts
        line.demandPresses = device.demandPresses
        line.forceReadings = device.forceSensor.readings
        line.stuckReadouts = device.forceSensor.stuckReadouts
        line.ticks = ticks
        line.overruns = overruns
        line.periodCostMicroseconds = [costs.percentile(0.5), costs.percentile(0.99), costs.percentile(1)]
        return line
    }

    /// The input whose edge raises `alarm` on this board, where one does.
    private static func cause(of alarm: AlarmID) -> PinFunction? {
        switch alarm {
        case .syringeDisengaged: .clamp
        case .syringeEmpty: .endOfTravel
        case .airInLine: .airInLine
        default: nil
        }
    }

    private mutating func handle(_ command: String, at now: ControlInstant) {
        do {
            switch command {
            case "start":
                // As the daemon does: no syringe is accepted before the force sensor has read.
                guard device.forceSensor.readings > 0 else {
                    throw HarnessRefusal("the force sensor has given no reading (\(device.forceSensor.stuckReadouts) read-outs with DOUT stuck low)")
                }
                try controller.handle(.loadSyringe(syringe, fill: Millilitres(50)), at: now).get()
                let request = ProgramRequest(
                    drug: "ketamine", concentration: MilligramsPerMillilitre(2), weight: Kilograms(70),
                    dose: .weightBased(MilligramsPerKilogramPerHour(dose)), extent: .duration(.hours(4)), loadingBolus: nil)
                let validation = controller.validate(request, with: ProgramValidator(library: library))
                guard let plan = validation.plan else { throw HarnessRefusal("program refused: \(validation)") }
                try controller.handle(.program(plan), at: now).get()
                try controller.handle(.start, at: now).get()
            case "pause": try controller.handle(.pause, at: now).get()
            case "resume": try controller.handle(.resume, at: now).get()
            default: throw HarnessRefusal("unknown command \"\(command)\"")
            }
        } catch {
            var line = status("refused", at: now)
            line.reason = "\(command): \(error)"
            line.print()
        }
    }
}

struct HarnessRefusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Lines from stdin, read without blocking the loop.
struct CommandReader {
    private var buffer: [UInt8] = []

    init() {
        _ = fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK)
    }

    mutating func pending() -> [String] {
        var chunk = [UInt8](repeating: 0, count: 256)
        while true {
            let count = read(STDIN_FILENO, &chunk, chunk.count)
            guard count > 0 else { break }
            buffer += chunk[0..<count]
        }
        var lines: [String] = []
        while let newline = buffer.firstIndex(of: 0x0A) {
            lines.append(String(decoding: buffer[..<newline], as: UTF8.self).trimmingCharacters(in: .whitespaces))
            buffer.removeSubrange(...newline)
        }
        return lines
    }
}
