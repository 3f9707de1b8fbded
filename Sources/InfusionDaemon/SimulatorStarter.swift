import InfusionCore

/// What runs `hardware.kind = "simulator"`. The daemon library knows only this seam: the
/// simulator itself lives in `InfusionDaemonSimulator`, linked into `infusiond-sim` (the
/// demonstration, the end-to-end tests, the benchmarks) and never into the `infusiond` a
/// package installs at a bedside (issue 16).
public protocol SimulatorStarter: Sendable {
    func start(
        _ loaded: LoadedConfiguration, settings: ControllerSettings, scale: Double, fill: Millilitres, realTime: Bool,
        log: @escaping @Sendable (String) -> Void
    ) throws(StartupError) -> Daemon
}

/// What the shipped daemon says of a simulator configuration, at start and in `--check-config`.
public enum SimulatorAbsence {
    public static let message =
        "hardware.kind: \"simulator\" is not run by this infusiond, which drives only real pumps (\"ne1000\" or \"gpio\"); "
        + "the simulator is infusiond-sim, built from the source tree for demonstrations and tests and never installed by the package"
}
