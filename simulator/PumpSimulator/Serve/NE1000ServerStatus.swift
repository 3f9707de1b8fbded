/// The emulated pump's true state, as the control channel's `status` answers it: the ground
/// truth tests compare the driver's view against.
public struct NE1000ServerStatus: Codable, Hashable, Sendable {
    public var address: Int
    /// The prompt character the pump would answer with (`I`, `S`, `P`, …).
    public var prompt: String
    public var diameterMillimetres: Double
    public var rate: Double
    public var rateUnits: String
    public var safeModeTimeoutSeconds: Int
    public var dispensedInfusedMillilitres: Double
    /// Infused since pumpsim started, across every `CLD`: what several hosts' runs pushed in all.
    public var infusedSinceStartMillilitres: Double
    public var deliveredToPatientMillilitres: Double
    public var pressureMillimetresOfMercury: Double
    /// Each alarm the pump raised, with the seconds since the server started.
    public var alarms: [RaisedAlarm]
    public var requestsAnswered: Int
    public var connected: Bool
    public var silenced: Bool
    public var delayMilliseconds: Int

    public struct RaisedAlarm: Codable, Hashable, Sendable {
        public var alarm: String
        public var atSeconds: Double
    }

    enum CodingKeys: String, CodingKey {
        case address, prompt, rate, alarms, connected, silenced
        case diameterMillimetres = "diameter_mm"
        case rateUnits = "rate_units"
        case safeModeTimeoutSeconds = "safe_mode_timeout_s"
        case dispensedInfusedMillilitres = "dispensed_infused_ml"
        case infusedSinceStartMillilitres = "infused_since_start_ml"
        case deliveredToPatientMillilitres = "delivered_to_patient_ml"
        case pressureMillimetresOfMercury = "pressure_mmhg"
        case requestsAnswered = "requests_answered"
        case delayMilliseconds = "delay_ms"
    }
}

extension NE1000ServerStatus.RaisedAlarm {
    enum CodingKeys: String, CodingKey {
        case alarm
        case atSeconds = "at_s"
    }
}
