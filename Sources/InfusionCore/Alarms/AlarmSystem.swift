/// The alarm system of DESIGN.md rule 6 (IEC 60601-1-8 practice), in fixed storage.
///
/// - A condition raises its alarm; a non-latching alarm ends with its condition, a latching one
///   stays until ``reset(at:)`` finds the condition gone.
/// - Acknowledge silences one alarm's sound for good (its light stays); audio paused silences all
///   for at most ``audioPausedLimit`` and then re-arms; a newly raised alarm ends audio paused.
/// - Acknowledge and reset are distinct acts; neither clears a condition that is still present.
///
/// Storage is one record per catalogue entry in a fixed-size tuple-backed array, so updating
/// alarms from the control tick never allocates.
public struct AlarmSystem: Sendable {
    public struct Record: Hashable, Sendable {
        public var isActive = false
        public var conditionPresent = false
        public var acknowledged = false
        public var raisedAt = ControlInstant.origin
    }

    /// IEC 60601-1-8 practice and GIP 3.2.1: audio paused lasts at most two minutes.
    public static let audioPausedLimit = ControlDuration.minutes(2)

    private var records: [Record]
    public private(set) var audioPausedUntil: ControlInstant?
    /// Incremented whenever an alarm becomes active: lets observers notice new alarms cheaply.
    public private(set) var raisedCount: Int = 0

    public init() {
        records = [Record](repeating: Record(), count: AlarmID.allCases.count)
    }

    public func record(_ id: AlarmID) -> Record { records[id.rawValue] }
    public func isActive(_ id: AlarmID) -> Bool { records[id.rawValue].isActive }

    /// Reports whether `id`'s condition is present now. Returns true when this raised the alarm.
    @discardableResult
    public mutating func update(_ id: AlarmID, conditionPresent: Bool, at now: ControlInstant) -> Bool {
        var record = records[id.rawValue]
        defer { records[id.rawValue] = record }
        record.conditionPresent = conditionPresent
        if conditionPresent {
            guard !record.isActive else { return false }
            record.isActive = true
            record.acknowledged = false
            record.raisedAt = now
            raisedCount &+= 1
            audioPausedUntil = nil
            return true
        }
        if record.isActive, !id.isLatching { record.isActive = false }
        return false
    }

    /// Raises an alarm for an event that has no lasting condition (e.g. a refused step).
    @discardableResult
    public mutating func raise(_ id: AlarmID, at now: ControlInstant) -> Bool {
        let raised = update(id, conditionPresent: true, at: now)
        records[id.rawValue].conditionPresent = false
        if !id.isLatching { records[id.rawValue].isActive = true }
        return raised
    }

    /// Ends a non-latching, event-raised alarm (e.g. "infusion complete" when a new program begins).
    public mutating func clear(_ id: AlarmID) {
        guard !id.isLatching else { return }
        records[id.rawValue].isActive = false
        records[id.rawValue].conditionPresent = false
    }

    /// Silences `id` (or every active alarm) for good; the visual indication remains.
    /// Returns false when there was nothing active to acknowledge.
    @discardableResult
    public mutating func acknowledge(_ id: AlarmID?) -> Bool {
        var any = false
        for alarm in AlarmID.allCases where (id == nil || id == alarm) && records[alarm.rawValue].isActive {
            records[alarm.rawValue].acknowledged = true
            any = true
        }
        return any
    }

    /// Pauses all alarm sound for at most two minutes.
    public mutating func pauseAudio(at now: ControlInstant) {
        audioPausedUntil = now + Self.audioPausedLimit
    }

    /// Clears latched alarms whose condition is gone. Returns the alarms still active because
    /// their condition persists; those cannot be reset.
    public mutating func reset(at now: ControlInstant) -> [AlarmID] {
        var persisting: [AlarmID] = []
        for alarm in AlarmID.allCases where records[alarm.rawValue].isActive {
            if records[alarm.rawValue].conditionPresent {
                persisting.append(alarm)
            } else if alarm.isLatching {
                records[alarm.rawValue].isActive = false
            }
        }
        return persisting
    }

    /// The highest-priority active alarm (earliest raised among equals): the one that drives the
    /// buzzer and LEDs.
    public var highestActive: AlarmID? {
        var best: AlarmID?
        for alarm in AlarmID.allCases where records[alarm.rawValue].isActive {
            guard let current = best else {
                best = alarm
                continue
            }
            if alarm.priority > current.priority
                || alarm.priority == current.priority && records[alarm.rawValue].raisedAt < records[current.rawValue].raisedAt
            {
                best = alarm
            }
        }
        return best
    }

    public var anyActive: Bool { highestActive != nil }

    public var anyStoppingActive: Bool {
        for alarm in AlarmID.allCases where alarm.stopsDelivery && records[alarm.rawValue].isActive { return true }
        return false
    }

    public var active: [AlarmID] { AlarmID.allCases.filter { records[$0.rawValue].isActive } }

    /// What the buzzer and LEDs show: the highest active alarm, and whether its sound is on.
    public func indicator(at now: ControlInstant) -> AlarmIndicator {
        guard let top = highestActive else { return .quiet }
        let paused = audioPausedUntil.map { now < $0 } ?? false
        let audible = !records[top.rawValue].acknowledged && !paused
        return AlarmIndicator(priority: top.priority, audible: audible)
    }
}

/// What the indicators show; the GPIO backend turns it into buzzer and LED patterns.
public struct AlarmIndicator: Hashable, Sendable {
    public var priority: AlarmPriority?
    public var audible: Bool

    public static let quiet = AlarmIndicator(priority: nil, audible: false)
}
