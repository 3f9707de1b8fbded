import InfusionCore

/// Reads one line of the Masimo ASCII 1 output (``MasimoASCIILine``), without its CR LF.
///
/// Strict where a value is taken from, lenient where the line only grows: the date and time must
/// be there, each field must be `NAME=VALUE` and named once, SPO2, BPM, ALARM and EXC must be
/// there and well-formed; fields this pump does not use (SN, SPCO, PVI, …) are passed over, so a
/// Radical-7's longer line reads as a Rad-8's. Never traps: the fuzzer (`scripts/fuzz`) feeds it
/// random and mutated lines.
public enum MasimoASCIIParser {
    /// Longer than any model's line (a Radical-7's is about 130 characters); beyond is noise.
    public static let maximumLength = 256

    public static func parse(_ input: some Collection<UInt8>) throws(MasimoLineError) -> MasimoASCIILine {
        try parseStamped(input).line
    }

    /// The line and the device's own clock in it, as seconds since 2000-01-01: what shows a
    /// device repeating a stale line (``DeviceClockWatch``).
    public static func parseStamped(_ input: some Collection<UInt8>) throws(MasimoLineError) -> (line: MasimoASCIILine, deviceSecond: Int64) {
        guard input.count <= maximumLength else { throw .malformed("\(input.count) characters, more than \(maximumLength)") }
        let bytes = Array(input)
        guard !bytes.isEmpty else { throw .malformed("empty") }
        guard bytes.count <= maximumLength else { throw .malformed("\(bytes.count) characters, more than \(maximumLength)") }
        guard bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else { throw .malformed("a character that is not printable ASCII") }
        let words = bytes.split(separator: UInt8(ascii: " "))
        guard words.count >= 3, isDate(words[words.startIndex]), isTime(words[words.startIndex + 1]) else {
            throw .malformed("no date and time (MM/DD/YY HH:MM:SS) at its start")
        }
        guard let deviceSecond = clock(words[words.startIndex], words[words.startIndex + 1]) else {
            throw .malformed("\(text(words[words.startIndex])) \(text(words[words.startIndex + 1])) is no date and time a clock shows")
        }
        var fields: [String: ArraySlice<UInt8>] = [:]
        for word in words.dropFirst(2) {
            guard let equals = word.firstIndex(of: UInt8(ascii: "=")), equals > word.startIndex,
                word[word.startIndex..<equals].allSatisfy({ isUpper($0) || isDigit($0) })
            else { throw .malformed("\"\(text(word))\" is not NAME=VALUE") }
            let name = text(word[word.startIndex..<equals])
            guard fields[name] == nil else { throw .malformed("\(name) given twice") }
            fields[name] = ArraySlice(word[word.index(after: equals)...])
        }
        func required(_ name: String) throws(MasimoLineError) -> ArraySlice<UInt8> {
            guard let value = fields[name] else { throw .malformed("no \(name)") }
            return value
        }
        let spo2 = try integer(try required("SPO2"), name: "SPO2", unit: UInt8(ascii: "%"), range: 0...100)
        let pulseRate = try integer(try required("BPM"), name: "BPM", unit: nil, range: 0...300)
        let perfusionIndex = try fields["PI"].flatMap { (value) throws(MasimoLineError) -> Double? in try decimal(value, name: "PI", range: 0...100) }
        let alarm = try hexadecimal(try required("ALARM"), name: "ALARM", digits: 4)
        let exceptions = try hexadecimal(try required("EXC"), name: "EXC", digits: 6)
        let line = MasimoASCIILine(spo2: spo2, pulseRate: pulseRate, perfusionIndex: perfusionIndex, alarm: alarm, exceptions: exceptions)
        return (line, deviceSecond)
    }

    /// `DDD`, `DDD%`, or `---`: always three characters, as the device pads them. A shorter
    /// field is a line that lost a byte: `SPO2=07%` is 097 with its 9 dropped, not 7 % (red team,
    /// issue 17: one such line every 4 s stopped an infusion at a true 97 %).
    private static func integer(_ raw: ArraySlice<UInt8>, name: String, unit: UInt8?, range: ClosedRange<Int>) throws(MasimoLineError) -> Int? {
        var value = raw
        if let unit, value.last == unit { value = value.dropLast() }
        if value.count == 3, value.allSatisfy({ $0 == UInt8(ascii: "-") }) { return nil }
        guard value.count == 3, value.allSatisfy(isDigit) else { throw .malformed("\(name)=\(text(raw)) is not a number of three digits") }
        let number = value.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        guard range.contains(number) else { throw .outOfRange("\(name)=\(number), not \(range.lowerBound)–\(range.upperBound)") }
        return number
    }

    /// `DD.DD%` or `--.--%`.
    private static func decimal(_ raw: ArraySlice<UInt8>, name: String, range: ClosedRange<Double>) throws(MasimoLineError) -> Double? {
        var value = raw
        if value.last == UInt8(ascii: "%") { value = value.dropLast() }
        if !value.isEmpty, value.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) { return nil }
        let dots = value.filter { $0 == UInt8(ascii: ".") }.count
        guard (1...6).contains(value.count), dots <= 1, value.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: ".") }),
            value.contains(where: isDigit), let number = Double(text(value))
        else { throw .malformed("\(name)=\(text(raw)) is not a number") }
        guard range.contains(number) else { throw .outOfRange("\(name)=\(number), not \(range.lowerBound)–\(range.upperBound)") }
        return number
    }

    /// Hexadecimal digits only: `UInt32(_:radix:)` alone also takes a sign (`+0`, `-0`).
    private static func hexadecimal(_ raw: ArraySlice<UInt8>, name: String, digits: Int) throws(MasimoLineError) -> UInt32 {
        guard (1...digits).contains(raw.count), raw.allSatisfy(isHexDigit), let value = UInt32(text(raw), radix: 16) else {
            throw .malformed("\(name)=\(text(raw)) is not \(digits) hexadecimal digits or fewer")
        }
        return value
    }

    /// Seconds since 2000-01-01 for `MM/DD/YY HH:MM:SS`, or nil for a month, day or time no
    /// clock shows (`99/99/99 99:99:99`). Days are counted as 31 to a month: the stamp only has
    /// to move when the clock does.
    private static func clock(_ date: ArraySlice<UInt8>, _ time: ArraySlice<UInt8>) -> Int64? {
        func pair(_ word: ArraySlice<UInt8>, _ at: Int) -> Int64 {
            let first = word[word.startIndex + at], second = word[word.startIndex + at + 1]
            return Int64(first - UInt8(ascii: "0")) * 10 + Int64(second - UInt8(ascii: "0"))
        }
        let (month, day, year) = (pair(date, 0), pair(date, 3), pair(date, 6))
        let (hour, minute, second) = (pair(time, 0), pair(time, 3), pair(time, 6))
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        return ((year * 12 + month - 1) * 31 + day - 1) * 86_400 + hour * 3_600 + minute * 60 + second
    }

    private static func isDate(_ word: ArraySlice<UInt8>) -> Bool { matches(word, "NN/NN/NN") }
    private static func isTime(_ word: ArraySlice<UInt8>) -> Bool { matches(word, "NN:NN:NN") }

    /// `pattern`'s N is a digit, anything else itself.
    private static func matches(_ word: ArraySlice<UInt8>, _ pattern: String) -> Bool {
        word.count == pattern.utf8.count && zip(word, pattern.utf8).allSatisfy { byte, want in want == UInt8(ascii: "N") ? isDigit(byte) : byte == want }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
    private static func isUpper(_ byte: UInt8) -> Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) }
    private static func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
}

extension MasimoASCIILine {
    /// The values this line vouches for, stamped `at` (when it arrived): none where the device
    /// sent `---` or its exceptions void them, and none outside what a living adult shows.
    public func readings(at time: ControlInstant) -> (readings: VitalReadings, invalidBecause: OximeterException?, lowQuality: OximeterException?) {
        var readings = VitalReadings()
        let voided = MasimoException.voiding(exceptions)
        guard voided == nil else { return (readings, voided, nil) }
        // Two plain statements, not a loop over a literal: the loop's period calls this.
        if let spo2, VitalSign.spo2.physicalRange.contains(Double(spo2)) { readings[.spo2] = VitalReading(value: Double(spo2), measuredAt: time) }
        if let pulseRate, VitalSign.heartRate.physicalRange.contains(Double(pulseRate)) {
            readings[.heartRate] = VitalReading(value: Double(pulseRate), measuredAt: time)
        }
        return (readings, readings.isEmpty ? .noValue : nil, MasimoException.lowQuality(exceptions))
    }
}
