import InfusionCore
import PumpHardware

/// The pump as the daemon's loop drives it: the hardware seam, plus what only some pumps have.
///
/// Real hardware learns of a syringe from its own switches, and has no faults to inject; the
/// in-process simulator is told of both, so a demonstration can show an occlusion and its alarm.
public protocol DaemonDevice: PumpDevice {
    /// A syringe was accepted by the controller: the simulator puts it in its clamp.
    mutating func syringeLoaded(_ spec: SyringeSpec, fill: Millilitres)
    mutating func syringeUnloaded()
    /// Applies a named simulated fault; nil when accepted, else why not.
    mutating func inject(_ fault: SimulatedFaultRequest) -> String?
    /// Volume the pump itself says reached the patient (the simulator's physics); nil on hardware.
    var deliveredToPatient: Millilitres? { get }
    /// Presses of the patient's demand button since start (0 where there is none). The loop
    /// records each; this version has no demand dosing, so a press gives nothing.
    var demandPresses: Int64 { get }
    /// Why a syringe cannot be accepted yet (a sensor the safety functions need has not read),
    /// or nil.
    var notReadyForSyringe: String? { get }
}

extension DaemonDevice {
    public mutating func syringeLoaded(_ spec: SyringeSpec, fill: Millilitres) {}
    public mutating func syringeUnloaded() {}
    public mutating func inject(_ fault: SimulatedFaultRequest) -> String? {
        "this is a real pump: only the simulator (infusiond-sim) takes injected faults"
    }
    public var deliveredToPatient: Millilitres? { nil }
    public var demandPresses: Int64 { 0 }
    public var notReadyForSyringe: String? { nil }
}

/// The faults `infusionctl simulate` can inject into the in-process simulator.
public enum SimulatedFaultRequest: String, CaseIterable, Hashable, Sendable {
    case occlusion
    case clearOcclusion = "clear_occlusion"
    case air
    case disengage
    case engage
    case stall
    case unstall
}
