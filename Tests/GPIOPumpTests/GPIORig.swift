import GPIOPump
import InfusionCore
import InfusionTestSupport
import PumpHardware
import PumpSimulator
import Testing

/// The full GPIO path in virtual time: the control core, `GPIOStepperPump` (the code that runs on
/// the board) and the simulator's board with its physics, in lockstep at a 1 ms period.
struct GPIORig {
    var controller: InfusionController
    var device: GPIOStepperPump<SimulatedBoard>
    var now = ControlInstant(nanoseconds: 1_000_000_000)
    let period = ControlDuration.milliseconds(1)
    let syringe: SyringeSpec
    let map: PinMap
    var last = Actuation.safe
    /// Forward steps the tick commanded, summed: the driver must take exactly these.
    var commandedForward: Int64 = 0

    var board: SimulatedBoard {
        get { device.lines }
        set { device.lines = newValue }
    }

    static func referenceMap() throws -> PinMap {
        try PinMapParser.parse(try RepositoryFiles.text("hardware/pinmap.toml"), file: "hardware/pinmap.toml")
    }

    init(map: PinMap? = nil, fill: Double = 50) throws {
        let map = try map ?? Self.referenceMap()
        self.map = map
        syringe = try RepositoryFiles.syringe()
        var physics = SimulatedPump()
        physics.load(syringe, fluid: Millilitres(fill))
        let board = SimulatedBoard(pump: physics, map: map, startingAt: now)
        device = try GPIOStepperPump(lines: board, map: map, at: now)
        controller = InfusionController(settings: ControllerSettings(encoderFitted: map.encoderFitted), startingAt: now)
        // As the daemon does: no syringe is accepted before the force sensor has given a reading.
        try #require(run(until: { $0.device.forceSensor.readings > 0 }, within: .seconds(1)) != nil, "the HX711 never became ready")
        try controller.handle(.loadSyringe(syringe, fill: Millilitres(fill)), at: now).get()
    }

    static func program(doseMilligramsPerKilogramPerHour dose: Double = 0.35, hours: Double = 4) -> ProgramRequest {
        ProgramRequest(
            drug: "ketamine", concentration: MilligramsPerMillilitre(2), weight: Kilograms(70),
            dose: .weightBased(MilligramsPerKilogramPerHour(dose)), extent: .duration(.hours(hours)), loadingBolus: nil)
    }

    /// Programs and starts; answers the plan.
    mutating func start(_ request: ProgramRequest = GPIORig.program()) throws -> InfusionPlan {
        let plan = try #require(controller.validate(request, with: ProgramValidator(library: try RepositoryFiles.library())).plan)
        try controller.handle(.program(plan), at: now).get()
        try controller.handle(.start, at: now).get()
        return plan
    }

    /// One control period, as the daemon's loop runs it: physics to now, sample, tick, apply.
    mutating func step() {
        device.lines.advance(to: now)
        let sensors = device.sample(at: now)
        last = controller.tick(now: now, sensors: sensors)
        if last.motorEnabled, last.steps > 0 { commandedForward += last.steps }
        device.apply(last, at: now, interval: period)
        now = now + period
    }

    /// Runs until `condition` holds after a period, at most `limit`; answers the time taken.
    @discardableResult
    mutating func run(until condition: (GPIORig) -> Bool, within limit: ControlDuration) -> ControlDuration? {
        let start = now
        while now - start < limit {
            step()
            if condition(self) { return now - start }
        }
        return nil
    }

    mutating func run(for duration: ControlDuration) {
        let end = now + duration
        while now < end { step() }
    }
}
