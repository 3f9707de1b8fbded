/// An interlock verdict in the 16 bits a loop event carries, so the loop logs every decision
/// without allocating: critical signs in bits 0–4, warning signs in 5–9, a lost source in 10, a
/// chart due in 11.
public enum VitalsEventCode {
    public static func encode(_ verdict: VitalsVerdict) -> UInt16 {
        UInt16(verdict.critical & 0x1F) | UInt16(verdict.warning & 0x1F) << 5 | (verdict.sourceLost ? 1 << 10 : 0) | (verdict.chartDue ? 1 << 11 : 0)
    }

    public static func decode(_ code: UInt16) -> VitalsVerdict {
        var verdict = VitalsVerdict()
        verdict.critical = UInt8(code & 0x1F)
        verdict.warning = UInt8(code >> 5 & 0x1F)
        verdict.sourceLost = code & 1 << 10 != 0
        verdict.chartDue = code & 1 << 11 != 0
        return verdict
    }

    /// The decision as the event log says it.
    public static func describe(_ code: UInt16) -> String {
        let verdict = decode(code)
        func names(_ mask: UInt8) -> String { VitalSign.allCases.filter { mask & $0.bit != 0 }.map(\.name).joined(separator: ", ") }
        var parts: [String] = []
        if verdict.critical != 0 { parts.append("critical: \(names(verdict.critical))") }
        if verdict.warning != 0 { parts.append("warning: \(names(verdict.warning))") }
        if verdict.sourceLost { parts.append("a required source lost") }
        if verdict.chartDue { parts.append("an observation due") }
        let outcome = verdict.stopsDelivery ? "delivery stops" : verdict.warnings == 1 ? "one warning: watched, not stopped" : "nothing counts"
        return (parts.isEmpty ? "all watched signs within their bands" : parts.joined(separator: "; ")) + " — " + outcome
    }
}
