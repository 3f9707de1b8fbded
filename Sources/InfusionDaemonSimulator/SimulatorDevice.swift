import InfusionCore
import InfusionDaemon
import PumpHardware
import PumpSimulator

/// The in-process simulator as the daemon's pump (`hardware.kind = "simulator"`): the same
/// physics `pumpsim` runs, in the daemon's real (optionally scaled) time.
public struct SimulatorDevice: DaemonDevice, Sendable {
    public private(set) var pump = SimulatedPump()
    /// Fluid the technician's syringe really holds (config `fill`), whatever is declared.
    let fill: Millilitres

    public init(fill: Millilitres) {
        self.fill = fill
    }

    public func sample(at now: ControlInstant) -> SensorSnapshot { pump.sample(at: now) }

    public mutating func apply(_ actuation: Actuation, at now: ControlInstant, interval: ControlDuration) {
        pump.apply(actuation, at: now, interval: interval)
    }

    public mutating func syringeLoaded(_ spec: SyringeSpec, fill declared: Millilitres) {
        pump.load(spec, fluid: Millilitres(min(declared.value, fill.value)))
    }

    public mutating func syringeUnloaded() { pump.unload() }

    public mutating func inject(_ fault: SimulatedFaultRequest) -> String? {
        switch fault {
        case .occlusion: pump.line.occluded = true
        case .clearOcclusion: pump.line.occluded = false
        case .air: pump.injectAir(Millilitres(0.3))  // beyond the 0.2 mL a detector may let pass
        case .disengage: pump.faults.syringeDisengaged = true
        case .engage: pump.faults.syringeDisengaged = false
        case .stall: pump.faults.motorStalled = true
        case .unstall: pump.faults.motorStalled = false
        }
        return nil
    }

    public var deliveredToPatient: Millilitres? { pump.deliveredToPatient }
}

/// Starts the daemon on ``SimulatorDevice``: the starter `infusiond-sim` hands to `Daemon.start`.
public struct InProcessSimulator: SimulatorStarter {
    public init() {}

    public func start(
        _ loaded: LoadedConfiguration, settings: ControllerSettings, scale: Double, fill: Millilitres, realTime: Bool,
        log: @escaping @Sendable (String) -> Void
    ) throws(StartupError) -> Daemon {
        try Daemon.startInProcess(loaded, settings: settings, scale: scale, realTime: realTime, log: log, device: SimulatorDevice(fill: fill))
    }
}
