import Synchronization

/// Plain numbers the loop publishes each period and the other threads read, and the few the
/// others publish for the loop: atomics only, so neither side ever waits for the other.
public final class LoopGauges: Sendable {
    /// Lifetime drug the controller has commanded (its ledger), pg.
    public let commanded = Atomic<Int64>(0)
    /// Forward flow commanded now, pg per second of control time.
    public let flowPicogramsPerSecond = Atomic<Int64>(0)
    /// Lifetime drug the journal has made durable, pg (written by the journal thread).
    public let durable = Atomic<Int64>(0)
    /// False once the journal thread has failed to write; the loop stops delivery on it.
    public let journalHealthy = Atomic<Bool>(true)
    /// The journal was found lost at start and no admin has accepted it: the loop holds
    /// journal_lost, and the journal thread does not seal (the old seal is the evidence).
    public let journalLost = Atomic<Bool>(false)
    /// The program the ledger's records belong to (its number in the journal).
    public let programNumber = Atomic<Int64>(0)
    /// The patient the ledger's records belong to (``Patient/number``; 0 before the first).
    public let patientNumber = Atomic<Int64>(0)
    /// Bumped on every change of state or alarms: watchers send a status when it moves.
    public let changes = Atomic<Int64>(0)
    /// For sd_notify STATUS: the state's index, the rate in µL/h and the program's µL delivered.
    public let stateIndex = Atomic<Int>(0)
    public let rateMicrolitresPerHour = Atomic<Int64>(0)
    public let deliveredMicrolitres = Atomic<Int64>(0)
    /// Control time of the last period, ns.
    public let controlNanoseconds = Atomic<Int64>(0)
    /// Set by the daemon to end the loop; the loop disables the motor and returns.
    public let stopRequested = Atomic<Bool>(false)
    public let finished = Atomic<Bool>(false)

    public init() {}
}
