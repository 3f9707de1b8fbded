/// The loop's check of a smart pump's reported delivery against what it commanded (DESIGN.md
/// section 3), and its worst-case accounting of delivery nobody has confirmed.
///
/// The tolerance, documented in docs/architecture.md: the pump's count may differ from the
/// commanded count by the last printed digit (``SmartPumpReport/resolutionSteps``), plus 1 % of
/// the commanded count (the pump truncates rates to four digits and computes delivery from its own
/// diameter), plus what the fastest rate of the program moves in half a second (the latency of
/// `RUN`, `RAT` and `STP` over the line). Beyond it either way: delivery mismatch.
public struct DeliveryCrossCheck: Sendable {
    public enum Verdict: Hashable, Sendable { case consistent, mismatch(reportedSteps: Int64, commandedSteps: ClosedRange<Int64>) }

    /// The command latency the tolerance allows for.
    public static var latencyAllowance: ControlDuration { .milliseconds(500) }
    public static var relativeTolerance: Double { 0.01 }

    private var lastReading: UInt64 = 0

    public init() {}

    /// Checks a reading once; later calls with the same reading say `.consistent`.
    public mutating func check(_ report: SmartPumpReport, fastestStepsPerSecond: Double) -> Verdict {
        guard report.reading != lastReading else { return .consistent }
        lastReading = report.reading
        let lag = Int64((fastestStepsPerSecond * Self.latencyAllowance.seconds.value).rounded(.up))
        let relative = Int64((Double(max(report.commandedAtReply, 0)) * Self.relativeTolerance).rounded(.up))
        let tolerance = report.resolutionSteps + relative + lag
        let low = min(report.commandedAtRequest, report.commandedAtReply)
        let high = max(report.commandedAtRequest, report.commandedAtReply)
        if report.confirmedSteps < low - tolerance || report.confirmedSteps > high + tolerance {
            return .mismatch(reportedSteps: report.confirmedSteps, commandedSteps: low...high)
        }
        return .consistent
    }
}
