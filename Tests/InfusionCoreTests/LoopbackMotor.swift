import Testing
import InfusionCore
import InfusionTestSupport

/// The simplest honest device for driving the tick in the core's own tests: every permitted step
/// happens, the encoder follows, pressure and switches are whatever the test sets. The physical
/// simulator lives in `PumpSimulator`; this keeps the core's tests free of it.
struct LoopbackMotor {
    var sensors = SensorSnapshot(encoderCounts: 0)
    var encoderFollows = true
    var forwardSteps: Int64 = 0
    var reverseSteps: Int64 = 0

    mutating func apply(_ actuation: Actuation) {
        guard actuation.motorEnabled else { return }
        sensors.motorSteps += actuation.steps
        if actuation.steps > 0 { forwardSteps += actuation.steps }
        if actuation.steps < 0 { reverseSteps -= actuation.steps }
        if encoderFollows {
            sensors.encoderCounts = Int64((Double(sensors.motorSteps) * PumpMechanics.reference.encoderCountsPerStep).rounded(.down))
        }
    }
}

/// A controller, its device, and a clock, with the shipped library and syringe.
struct Bench {
    var controller = InfusionController(settings: ControllerSettings())
    var motor = LoopbackMotor()
    var now = ControlInstant.origin
    let tick = ControlDuration.milliseconds(1)
    let validator: ProgramValidator
    let syringe: SyringeSpec
    var last = Actuation.safe

    init() throws {
        validator = ProgramValidator(library: try RepositoryFiles.library())
        syringe = try RepositoryFiles.syringe()
    }

    static func crps(bolus: Double? = nil) -> ProgramRequest {
        ProgramRequest(
            drug: "ketamine", concentration: MilligramsPerMillilitre(2), weight: Kilograms(70),
            dose: .weightBased(MilligramsPerKilogramPerHour(0.35)), extent: .duration(.hours(4)),
            loadingBolus: bolus.map(MilligramsPerKilogram.init))
    }

    /// Loads, programs and starts; fails the test if any step is refused.
    mutating func startInfusion(_ request: ProgramRequest = Bench.crps(), fill: Millilitres = Millilitres(50)) throws {
        try command(.loadSyringe(syringe, fill: fill))
        let plan = try #require(controller.validate(request, with: validator).plan)
        try command(.program(plan))
        try command(.start)
    }

    mutating func command(_ command: TechnicianCommand) throws {
        try controller.handle(command, at: now).get()
    }

    /// The force the load cell reads at `pressure` for the loaded syringe.
    func force(atPressure pressure: Double) -> Double {
        pressure / 7_500.617 * syringe.plungerAreaSquareMillimetres
    }

    @discardableResult
    mutating func run(for duration: ControlDuration, each: (inout Bench) -> Void = { _ in }) -> Actuation {
        let end = now + duration
        while now < end {
            now = now + tick
            last = controller.tick(now: now, sensors: motor.sensors)
            motor.apply(last)
            each(&self)
        }
        return last
    }
}
