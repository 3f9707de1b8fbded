import ControlProtocol
import InfusionCore

/// What the journal keeps of the pump between runs, besides the ledger (which has its own
/// records): the syringe, the program as the technician typed it, and how far it has got.
///
/// The program is kept as text, not as a validated plan, so that a restart validates it again
/// against the drug library then in force: a plan is never trusted across a change of library.
public struct SavedProgress: Codable, Hashable, Sendable {
    public var syringe: String?
    public var fillMl: Double?
    public var netSteps: Int64
    public var program: ProgramArguments?
    public var programNumber: Int64
    public var programStarted: Bool
    public var programDeliveredMl: Double
    public var loadingBolusSettled: Bool
    /// The pump was delivering (or paused, or stopped by an alarm) in a started program: a
    /// restart raises "restarted during infusion" (DESIGN.md rule 4).
    public var wasInfusing: Bool
    public var state: String

    public static let empty = SavedProgress(
        syringe: nil, fillMl: nil, netSteps: 0, program: nil, programNumber: 0, programStarted: false, programDeliveredMl: 0,
        loadingBolusSettled: false, wasInfusing: false, state: InfusionState.noSyringe.rawValue)
}
