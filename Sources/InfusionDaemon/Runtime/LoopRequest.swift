import ControlProtocol
import InfusionCore

/// What another thread asks of the loop, through its mailbox. Handled between ticks, on the
/// loop's thread: the controller has one owner, so nothing in it is ever shared or locked.
public enum LoopRequest: Sendable {
    case command(TechnicianCommand)
    /// Validated against the controller's own ledger and syringe, then programmed; `text` is kept
    /// as typed so a restart can validate it again.
    case program(ProgramRequest, text: ProgramArguments)
    case loadSyringe(SyringeSpec, fill: Millilitres)
    case inject(SimulatedFaultRequest)
    /// A drug library re-read by an admin: programs from now on are validated against it; the
    /// program in force keeps the limits it was accepted under.
    case replaceLibrary(ProgramValidator)
    /// What the journal persists, for the journal thread.
    case progress
    /// SIGTERM: stop any delivery, remembering that an infusion was interrupted, and answer the
    /// progress to save.
    case stopForShutdown
}

public enum LoopReply: Sendable {
    case done
    case refused(CommandRefusal)
    /// A refusal that is not the controller's (an unsupported request for this pump).
    case unavailable(String)
    /// The pump cannot do it yet (a sensor it needs has not read): refused by its state.
    case notReady(String)
    case progress(SavedProgress)
}
