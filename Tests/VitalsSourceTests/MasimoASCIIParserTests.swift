import InfusionCore
import Testing
import VitalsSource

/// The Masimo ASCII 1 line, to the letter (docs/vitals.md, "The protocol"): the lines below are
/// the Radical-7 and Radical-5 examples OpenICE's driver carries, and variations of them.
@Suite("Masimo ASCII oximeter lines")
struct MasimoASCIIParserTests {
    static let radical7 = "12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=072 PI=02.48% SPCO=01.0% SPMET=00.5% DESAT=01 PIDELTA=-02 PVI=027 ALARM=0000 EXC=000800"
    static let radical5 = "09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800"

    static func parse(_ line: String) throws(MasimoLineError) -> MasimoASCIILine { try MasimoASCIIParser.parse(Array(line.utf8)) }

    @Test func theManualsLinesAreRead() throws {
        #expect(try Self.parse(Self.radical7) == MasimoASCIILine(spo2: 98, pulseRate: 72, perfusionIndex: 2.48, alarm: 0, exceptions: 0x800))
        #expect(try Self.parse(Self.radical5) == MasimoASCIILine(spo2: 97, pulseRate: 64, perfusionIndex: 11.82, alarm: 0x20, exceptions: 0x800))
    }

    @Test func dashesAreNoValue() throws {
        let line = try Self.parse("09/15/10 15:10:30 SPO2=---% BPM=--- PI=--.--% ALARM=0000 EXC=000021")
        #expect(line.spo2 == nil && line.pulseRate == nil && line.perfusionIndex == nil && line.exceptions == 0x21)
        let (readings, voided, _) = line.readings(at: .origin)
        #expect(readings.isEmpty && voided == .noSensor)
    }

    @Test(arguments: [
        (MasimoException.sensorOff, OximeterException.sensorOff), (MasimoException.noCable, .noSensor), (MasimoException.defectiveSensor, .defectiveSensor),
        (MasimoException.pulseSearch, .pulseSearch), (MasimoException.sensorExpired, .unusableSensor),
    ])
    func exceptionsThatVoidTheValues(bit: UInt32, reason: OximeterException) throws {
        let line = try Self.parse("09/15/10 15:10:30 SPO2=097% BPM=064 ALARM=0000 EXC=\(String(bit | MasimoException.masimoSET, radix: 16))")
        let (readings, voided, _) = line.readings(at: .origin)
        #expect(readings.isEmpty && voided == reason, "EXC \(String(bit, radix: 16))")
    }

    @Test func doubtfulValuesAreKeptWithTheirDoubt() throws {
        // A hypoxic patient is often poorly perfused: the value stays, with its doubt named.
        let line = try Self.parse("09/15/10 15:10:31 SPO2=078% BPM=131 PI=00.31% ALARM=0012 EXC=000804")
        let (readings, voided, quality) = line.readings(at: ControlInstant(nanoseconds: 5))
        #expect(voided == nil && quality == .lowPerfusion)
        #expect(readings[.spo2] == VitalReading(value: 78, measuredAt: ControlInstant(nanoseconds: 5)) && readings[.heartRate]?.value == 131)
    }

    @Test(arguments: [
        ("", "empty"),
        ("SPO2=098% BPM=072 ALARM=0000 EXC=000800", "no date and time"),
        ("12/01/05 11:56 SPO2=098% BPM=072 ALARM=0000 EXC=000800", "no date and time"),
        ("12/01/05 11:56:29 SPO2=098% ALARM=0000 EXC=000800", "no BPM"),
        ("12/01/05 11:56:29 SPO2=098% BPM=072 EXC=000800", "no ALARM"),
        ("12/01/05 11:56:29 SPO2=098% SPO2=050% BPM=072 ALARM=0000 EXC=000800", "SPO2 given twice"),
        ("12/01/05 11:56:29 SPO2=9x8% BPM=072 ALARM=0000 EXC=000800", "not a number"),
        ("12/01/05 11:56:29 SPO2=098% BPM=0720 ALARM=0000 EXC=000800", "not a number"),
        ("12/01/05 11:56:29 SPO2=098% BPM=072 ALARM=0000 EXC=0008000", "hexadecimal"),
        ("12/01/05 11:56:29 SPO2=098% BPM=072 ALARM=0000 EXC=00080G", "hexadecimal"),
        ("12/01/05 11:56:29 SPO2=098% BPM=072 ALARM=0000 EXC=000800 junk", "is not NAME=VALUE"),
        ("12/01/05 11:56:29 SPO2=098%\u{7} BPM=072 ALARM=0000 EXC=000800", "printable"),
    ])
    func malformedLinesAreNotReadings(line: String, named: String) {
        #expect {
            _ = try Self.parse(line)
        } throws: { error in
            guard case .malformed(let why) = error as? MasimoLineError else { return false }
            return why.contains(named)
        }
    }

    @Test(arguments: [
        "12/01/05 11:56:29 SPO2=101% BPM=072 ALARM=0000 EXC=000800",
        "12/01/05 11:56:29 SPO2=098% BPM=301 ALARM=0000 EXC=000800",
        "12/01/05 11:56:29 SPO2=098% BPM=072 PI=100.5% ALARM=0000 EXC=000800",
    ])
    func valuesNoOximeterReportsAreOutOfRange(line: String) {
        #expect {
            _ = try Self.parse(line)
        } throws: { error in
            if case .outOfRange = error as? MasimoLineError { return true }
            return false
        }
    }

    @Test func aValueOutsideWhatAPersonShowsIsNoReading() throws {
        let (readings, voided, _) = try Self.parse("12/01/05 11:56:29 SPO2=000% BPM=000 ALARM=0000 EXC=000800").readings(at: .origin)
        #expect(readings.isEmpty && voided == .noValue)
    }

    @Test func theSplitterCutsAtLineFeedsAndBoundsNoise() {
        var splitter = OximeterLineSplitter()
        let stream = Array("\(Self.radical5)\r\n\(Self.radical7)\n".utf8)
        let lines = stream.compactMap { splitter.feed($0) }
        #expect(lines == [.line(Array(Self.radical5.utf8)), .line(Array(Self.radical7.utf8))])
        let noise = [UInt8](repeating: UInt8(ascii: "x"), count: 10_000) + Array("\n\(Self.radical5)\r\n".utf8)
        let out = noise.compactMap { splitter.feed($0) }
        #expect(out == [.overlong, .line(Array(Self.radical5.utf8))])
    }
}

/// The simulated oximeter's lines are the device's own format: read back, they say what was set.
@Suite("Masimo ASCII lines written")
struct MasimoASCIIFormatTests {
    @Test(arguments: [
        MasimoASCIILine(spo2: 97, pulseRate: 72, perfusionIndex: 2.5, alarm: 0, exceptions: MasimoException.masimoSET),
        MasimoASCIILine(spo2: nil, pulseRate: nil, perfusionIndex: nil, alarm: 0x10, exceptions: MasimoException.sensorOff | MasimoException.masimoSET),
        MasimoASCIILine(spo2: 78, pulseRate: 131, perfusionIndex: 0.31, alarm: 0x12, exceptions: 0x804),
    ])
    func writtenLinesReadBack(line: MasimoASCIILine) throws {
        let text = line.formatted(time: "10:00:00")
        #expect(try MasimoASCIIParser.parse(Array(text.utf8)) == line, "\(text)")
    }
}

/// The second red team (issue 17): a line that lost a byte, a signed hex word, a clock no clock
/// shows, and a device repeating a stale line.
@Suite("Masimo ASCII lines: the red team's findings")
struct MasimoASCIIRedTeamTests {
    @Test(arguments: [
        ("12/01/05 11:56:29 SPO2=07% BPM=072 ALARM=0000 EXC=000800", "three digits"),
        ("12/01/05 11:56:29 SPO2=7% BPM=072 ALARM=0000 EXC=000800", "three digits"),
        ("12/01/05 11:56:29 SPO2=097% BPM=72 ALARM=0000 EXC=000800", "three digits"),
        ("12/01/05 11:56:29 SPO2=--% BPM=072 ALARM=0000 EXC=000800", "three digits"),
        ("12/01/05 11:56:29 SPO2=097% BPM=072 ALARM=+0 EXC=-0", "hexadecimal"),
        ("99/99/99 99:99:99 SPO2=097% BPM=072 ALARM=0000 EXC=000800", "no date and time a clock shows"),
        ("12/01/05 24:00:00 SPO2=097% BPM=072 ALARM=0000 EXC=000800", "no date and time a clock shows"),
    ])
    func aDamagedLineIsNoReading(line: String, named: String) {
        #expect {
            _ = try MasimoASCIIParser.parse(Array(line.utf8))
        } throws: { error in
            guard case .malformed(let why) = error as? MasimoLineError else { return false }
            return why.contains(named)
        }
    }

    @Test func aFrozenClockIsSeenOnTheThirdLine() throws {
        let stamp = { (time: String) throws -> Int64 in
            try MasimoASCIIParser.parseStamped(Array("12/01/05 \(time) SPO2=097% BPM=072 ALARM=0000 EXC=000800".utf8)).deviceSecond
        }
        var watch = DeviceClockWatch()
        #expect(try !watch.frozen(at: stamp("11:56:29")))
        #expect(try !watch.frozen(at: stamp("11:56:29")), "two lines in one second: jitter")
        #expect(try watch.frozen(at: stamp("11:56:29")), "three: the clock has stopped")
        #expect(try watch.frozen(at: stamp("11:56:29")))
        #expect(try !watch.frozen(at: stamp("11:56:30")), "it moves again")
        #expect(try stamp("11:56:30") - stamp("11:56:29") == 1)
    }
}
