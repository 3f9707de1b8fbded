/// The loop's check of a smart pump's reported delivery against what it commanded (DESIGN.md
/// section 3), and its worst-case accounting of delivery nobody has confirmed.
///
/// The tolerance, documented in docs/architecture.md: the pump's count may differ from the
/// commanded count by the last printed digit (``SmartPumpReport/resolutionSteps``), plus 1 % of
/// the commanded count (the pump truncates rates to four digits and computes delivery from its own
/// diameter), plus what the fastest rate of the program moves in half a second (the latency of
/// `RUN`, `RAT` and `STP` over the line). Below it, the pump may also trail by what the loop
/// counted while the pump stood still waiting for its own start (``SmartPumpReport/standstillSteps``,
/// measured, not assumed: a slow line makes a start take several round trips). Beyond it either
/// way: delivery mismatch.
///
/// The pump never catches up on a start's latency, so what it trails by outlives the run. The
/// check therefore settles: a consistent reading taken with the pump stopped and the loop
/// commanding nothing becomes the new baseline, and the latency allowance starts again from the
/// rates that follow (``settled``). Without it a stop and a new program left a start's deficit
/// judged with no allowance, a false `delivery_mismatch` that no reset cleared (red team, issue 14).
public struct DeliveryCrossCheck: Sendable {
    public enum Verdict: Hashable, Sendable { case consistent, mismatch(reportedSteps: Int64, commandedSteps: ClosedRange<Int64>) }

    /// The command latency the tolerance allows for.
    public static var latencyAllowance: ControlDuration { .milliseconds(500) }
    public static var relativeTolerance: Double { 0.01 }

    private var lastReading: UInt64 = 0
    /// The pump's count less the loop's at the last settled reading.
    private var offset: Int64 = 0
    /// The pump's standstill count at the last settled reading.
    private var standstillAtSettle: Int64 = 0
    /// The last checked reading settled the baseline: the caller's latency allowance may start
    /// again from the rates that follow.
    public private(set) var settled = false

    public init() {}

    /// Checks a reading once; later calls with the same reading say `.consistent`.
    public mutating func check(_ report: SmartPumpReport, fastestStepsPerSecond: Double) -> Verdict {
        settled = false
        guard report.reading != lastReading else { return .consistent }
        lastReading = report.reading
        let lag = Int64(saturating: fastestStepsPerSecond * Self.latencyAllowance.seconds.value, rounding: .up)
        let relative = Int64(saturating: Double(max(report.commandedAtReply, 0)) * Self.relativeTolerance, rounding: .up)
        let tolerance = report.resolutionSteps &+ relative &+ lag
        let standstill = max(0, report.standstillSteps &- standstillAtSettle)
        let low = min(report.commandedAtRequest, report.commandedAtReply)
        let high = max(report.commandedAtRequest, report.commandedAtReply)
        let counted = report.confirmedSteps &- offset
        if counted < low &- tolerance &- standstill || counted > high &+ tolerance {
            return .mismatch(reportedSteps: report.confirmedSteps, commandedSteps: low...high)
        }
        if report.pumpStopped, low == high {
            offset = report.confirmedSteps &- high
            standstillAtSettle = report.standstillSteps
            settled = true
        }
        return .consistent
    }
}
