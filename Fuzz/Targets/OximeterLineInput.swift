import InfusionCore
import VitalsSource

/// One fuzz input as what a serial line from a pulse oximeter carries, noise included: the bytes
/// go through the line splitter as the reader thread does, each line through the Masimo parser
/// and into the readings the loop would get. Answers what went wrong short of a trap: a reading
/// outside what a living adult shows, or one taken from a line its exceptions void. Shared by
/// `oximeter-line-fuzz` and the regression test.
public func oximeterLineInput(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    var splitter = OximeterLineSplitter()
    var problems: [String] = []
    let now = ControlInstant(nanoseconds: 1_000_000_000)
    for byte in bytes {
        guard let line = splitter.feed(byte) else { continue }
        guard case .line(let text) = line, let parsed = try? MasimoASCIIParser.parse(text) else { continue }
        let (readings, voided, _) = parsed.readings(at: now)
        for sign in VitalSign.allCases {
            guard let value = readings[sign]?.value else { continue }
            if !sign.physicalRange.contains(value) { problems.append("\(sign) \(value) taken as a reading") }
            if voided != nil { problems.append("\(sign) taken from a line voided by \(voided!)") }
        }
    }
    _ = try? MasimoASCIIParser.parse(Array(bytes))
    return problems
}
