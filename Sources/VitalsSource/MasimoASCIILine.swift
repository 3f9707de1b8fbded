import InfusionCore

/// One line of the ASCII serial output of Masimo SET pulse oximeters (Rad-8, Rad-87, Radical-7:
/// "ASCII 1", the default output; 9600 baud, 8 data bits, no parity, 1 stop bit, no handshaking,
/// one line a second), as the operator's manuals and OpenICE's Radical-7 driver give it
/// (docs/vitals.md, "The protocol"):
///
///     12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=072 PI=02.48% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=000800
///
/// A date and a time, then `NAME=VALUE` fields separated by spaces; `---` (as many dashes as the
/// field's width) where there is no value; `ALARM` and `EXC` are hexadecimal bit words.
public struct MasimoASCIILine: Hashable, Sendable {
    /// Percent, or nil for `---`.
    public var spo2: Int?
    /// Pulse rate, beats a minute, or nil for `---`.
    public var pulseRate: Int?
    /// Perfusion index, percent, or nil.
    public var perfusionIndex: Double?
    /// The device's own alarm word (limits it judged violated, alarm silenced, low battery).
    public var alarm: UInt32
    /// The exception word: the sensor's and the signal's state (``MasimoException``).
    public var exceptions: UInt32

    public init(spo2: Int?, pulseRate: Int?, perfusionIndex: Double?, alarm: UInt32, exceptions: UInt32) {
        self.spo2 = spo2
        self.pulseRate = pulseRate
        self.perfusionIndex = perfusionIndex
        self.alarm = alarm
        self.exceptions = exceptions
    }

    /// The line as the device sends it (without CR LF), for the simulated oximeter: the same
    /// widths and dashes a Rad-8 uses.
    public func formatted(date: String = "12/01/26", time: String) -> String {
        func field(_ value: Int?, width: Int) -> String {
            value.map { String(repeating: "0", count: max(0, width - String($0).count)) + String($0) } ?? String(repeating: "-", count: width)
        }
        let pi = perfusionIndex.map { value -> String in
            let hundredths = Int((value * 100).rounded())
            let whole = field(hundredths / 100, width: 2)
            let fraction = field(hundredths % 100, width: 2)
            return "\(whole).\(fraction)"
        } ?? "--.--"
        return "\(date) \(time) SPO2=\(field(spo2, width: 3))% BPM=\(field(pulseRate, width: 3)) PI=\(pi)% ALARM=\(field4(alarm)) EXC=\(field6(exceptions))"
    }

    private func field4(_ word: UInt32) -> String { hex(word, width: 4) }
    private func field6(_ word: UInt32) -> String { hex(word, width: 6) }
    private func hex(_ word: UInt32, width: Int) -> String {
        let digits = String(word, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Why a line is not a reading. Each is counted; none is ever taken as a value.
public enum MasimoLineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not the protocol at all: noise, a line cut short, the wrong baud rate, another output mode.
    case malformed(String)
    /// The protocol, but a value no oximeter reports (SpO2 above 100 %): a fault, not a reading.
    case outOfRange(String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed line: \(why)"
        case .outOfRange(let why): "value out of range: \(why)"
        }
    }
}

/// The exception word's bits (Masimo's serial interface specification, as OpenICE's
/// `poxrad_discrete.h` tabulates it).
public enum MasimoException {
    public static let noSensor: UInt32 = 0x000001
    public static let defectiveSensor: UInt32 = 0x000002
    public static let lowPerfusion: UInt32 = 0x000004
    public static let pulseSearch: UInt32 = 0x000008
    public static let interference: UInt32 = 0x000010
    public static let sensorOff: UInt32 = 0x000020
    public static let ambientLight: UInt32 = 0x000040
    public static let unrecognizedSensor: UInt32 = 0x000080
    public static let incompatibleSensor: UInt32 = 0x000100
    public static let lowSignalIQ: UInt32 = 0x000400
    /// Informational: the board is Masimo SET.
    public static let masimoSET: UInt32 = 0x000800
    public static let noCable: UInt32 = 0x001000
    public static let cableExpired: UInt32 = 0x002000
    public static let incompatibleCable: UInt32 = 0x004000
    public static let unrecognizedCable: UInt32 = 0x008000
    public static let defectiveCable: UInt32 = 0x010000
    public static let sensorCalibrating: UInt32 = 0x020000
    public static let sensorExpired: UInt32 = 0x040000
    public static let emitterTemperature: UInt32 = 0x080000
    public static let sensorCurrentLimit: UInt32 = 0x100000

    /// The first condition that voids the line's values, in the order a technician would look,
    /// or nil. The device shows `---` for most of these itself; a value it sends anyway is not
    /// trusted. Low perfusion, interference, ambient light and low signal IQ do not void: the
    /// value is the device's best and is kept with its doubt (``lowQuality(_:)``), since a
    /// hypoxic patient is often poorly perfused and voiding would hide the very desaturation the
    /// interlock is for; persistence absorbs a brief artefact.
    public static func voiding(_ word: UInt32) -> OximeterException? {
        if word & (noSensor | noCable) != 0 { return .noSensor }
        if word & sensorOff != 0 { return .sensorOff }
        if word & (defectiveSensor | defectiveCable | emitterTemperature | sensorCurrentLimit) != 0 { return .defectiveSensor }
        if word & (unrecognizedSensor | incompatibleSensor | cableExpired | incompatibleCable | unrecognizedCable | sensorExpired) != 0 {
            return .unusableSensor
        }
        if word & (pulseSearch | sensorCalibrating) != 0 { return .pulseSearch }
        return nil
    }

    /// The first doubt the device has about values it still reports, or nil.
    public static func lowQuality(_ word: UInt32) -> OximeterException? {
        if word & lowPerfusion != 0 { return .lowPerfusion }
        if word & lowSignalIQ != 0 { return .lowSignalQuality }
        if word & interference != 0 { return .interference }
        if word & ambientLight != 0 { return .ambientLight }
        return nil
    }
}
