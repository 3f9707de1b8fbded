/// What the oximeter last showed of each sign, as far as the bands go: the part of the
/// interlock a restart keeps (``PersistentState``).
///
/// Without it a restart forgot a value the oximeter had stopped sending: a heart rate of 150 with
/// the probe then taken off counts once it has persisted, but a restart before that came back with
/// no value at all, and after a restart charted normal values released a stop while the oximeter's
/// last SpO2 was 78 % (third red team, issue 17). The clocks are not kept, only the levels: a sign
/// remembered beyond a band counts at once after the restart, until a fresh value replaces it.
public struct OximeterMemory: Hashable, Sendable {
    /// A bit per ``VitalSign``: the last valid value was beyond the warning band (critical
    /// included) / beyond the critical band.
    public var beyondWarning: UInt8 = 0
    public var critical: UInt8 = 0

    public init(beyondWarning: UInt8 = 0, critical: UInt8 = 0) {
        self.beyondWarning = beyondWarning | critical
        self.critical = critical
    }

    public func level(_ sign: VitalSign) -> VitalLevel {
        critical & sign.bit != 0 ? .critical : beyondWarning & sign.bit != 0 ? .warning : .normal
    }
}
