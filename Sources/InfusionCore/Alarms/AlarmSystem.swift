/// The alarm system of DESIGN.md rule 6 (IEC 60601-1-8 practice), in fixed inline storage.
///
/// - A condition raises its alarm; a non-latching alarm ends with its condition, a latching one
///   stays until ``reset(at:)`` finds the condition gone.
/// - Acknowledge silences one alarm's sound for good (its light stays); audio paused silences all
///   for at most ``audioPausedLimit`` and then re-arms; a newly raised alarm ends audio paused.
/// - Acknowledge and reset are distinct acts; neither clears a condition that is still present.
///
/// The flags are bit masks indexed by ``AlarmID/rawValue`` and the raise times an `InlineArray`:
/// the whole system is plain data, so the tick updates it with a few bit operations and never
/// touches the heap.
public struct AlarmSystem: Sendable {
    public struct Record: Hashable, Sendable {
        public var isActive: Bool
        public var conditionPresent: Bool
        public var acknowledged: Bool
        public var raisedAt: ControlInstant
    }

    /// IEC 60601-1-8 practice and GIP 3.2.1: audio paused lasts at most two minutes.
    public static var audioPausedLimit: ControlDuration { .minutes(2) }

    /// One bit per ``AlarmID`` raw value: the daemon's loop diffs it to log raises and clears
    /// without building an array.
    public private(set) var activeMask: UInt32 = 0
    private var conditionMask: UInt32 = 0
    public private(set) var acknowledgedMask: UInt32 = 0
    private var raisedAt = InlineArray<16, Int64>(repeating: 0)
    public private(set) var audioPausedUntil: ControlInstant?
    /// Incremented whenever an alarm becomes active: lets observers notice new alarms cheaply.
    public private(set) var raisedCount: Int = 0

    /// Bits of the alarms that latch, that stop delivery, and of each priority. Literals, not
    /// derived at run time, so reading them in the tick costs no lazy-initialisation check;
    /// `AlarmSystemTests.masksMatchTheCatalogue` proves they match ``AlarmID``.
    public static var latchingMask: UInt32 { 0x47FF }
    public static var stoppingMask: UInt32 { 0x47FF }
    public static var highPriorityMask: UInt32 { 0x43FF }
    public static var mediumPriorityMask: UInt32 { 0x2400 }
    public static var lowPriorityMask: UInt32 { 0x1800 }

    /// The mask of the alarms for which `include` holds, derived from the catalogue (for tests).
    public static func mask(_ include: (AlarmID) -> Bool) -> UInt32 {
        AlarmID.allCases.reduce(0) { include($1) ? $0 | (1 << UInt32($1.rawValue)) : $0 }
    }

    private static func bit(_ id: AlarmID) -> UInt32 { 1 << UInt32(id.rawValue) }

    public init() {}

    public func record(_ id: AlarmID) -> Record {
        let bit = Self.bit(id)
        return Record(
            isActive: activeMask & bit != 0, conditionPresent: conditionMask & bit != 0,
            acknowledged: acknowledgedMask & bit != 0, raisedAt: ControlInstant(nanoseconds: raisedAt[id.rawValue]))
    }

    public func isActive(_ id: AlarmID) -> Bool { activeMask & Self.bit(id) != 0 }

    /// Reports whether `id`'s condition is present now. Returns true when this raised the alarm.
    @discardableResult
    public mutating func update(_ id: AlarmID, conditionPresent: Bool, at now: ControlInstant) -> Bool {
        let bit = Self.bit(id)
        if conditionPresent {
            conditionMask |= bit
            guard activeMask & bit == 0 else { return false }
            activeMask |= bit
            acknowledgedMask &= ~bit
            raisedAt[id.rawValue] = now.nanoseconds
            raisedCount &+= 1
            audioPausedUntil = nil
            return true
        }
        conditionMask &= ~bit
        if bit & Self.latchingMask == 0 { activeMask &= ~bit }
        return false
    }

    /// Raises a latching alarm for an event that has no lasting condition (e.g. a refused step).
    @discardableResult
    public mutating func raise(_ id: AlarmID, at now: ControlInstant) -> Bool {
        let raised = update(id, conditionPresent: true, at: now)
        conditionMask &= ~Self.bit(id)
        return raised
    }

    /// Ends a non-latching alarm now (e.g. "infusion complete" when a new program begins).
    public mutating func clear(_ id: AlarmID) {
        let bit = Self.bit(id)
        guard bit & Self.latchingMask == 0 else { return }
        activeMask &= ~bit
        conditionMask &= ~bit
    }

    /// Silences `id` (or every active alarm) for good; the visual indication remains.
    /// Returns false when there was nothing active to acknowledge.
    @discardableResult
    public mutating func acknowledge(_ id: AlarmID?) -> Bool {
        let selected = activeMask & (id.map(Self.bit) ?? ~0)
        acknowledgedMask |= selected
        return selected != 0
    }

    /// Pauses all alarm sound for at most two minutes.
    public mutating func pauseAudio(at now: ControlInstant) {
        audioPausedUntil = now + Self.audioPausedLimit
    }

    /// Clears latched alarms whose condition is gone. Returns the alarms still active because
    /// their condition persists; those cannot be reset.
    public mutating func reset(at now: ControlInstant) -> [AlarmID] {
        activeMask &= ~(Self.latchingMask & ~conditionMask)
        return AlarmID.allCases.filter { activeMask & conditionMask & Self.bit($0) != 0 }
    }

    /// The highest-priority active alarm (earliest raised among equals): the one that drives the
    /// buzzer and LEDs.
    public var highestActive: AlarmID? {
        for band in 0..<3 {
            var candidates = activeMask & (band == 0 ? Self.highPriorityMask : band == 1 ? Self.mediumPriorityMask : Self.lowPriorityMask)
            var best: Int?
            while candidates != 0 {
                let index = candidates.trailingZeroBitCount
                candidates &= candidates - 1
                if best.map({ raisedAt[index] < raisedAt[$0] }) ?? true { best = index }
            }
            if let best { return AlarmID(rawValue: best) }
        }
        return nil
    }

    public var anyActive: Bool { activeMask != 0 }

    public var anyStoppingActive: Bool { activeMask & Self.stoppingMask != 0 }

    public var active: [AlarmID] { AlarmID.allCases.filter { isActive($0) } }

    /// What the buzzer and LEDs show: the highest active alarm, and whether its sound is on.
    public func indicator(at now: ControlInstant) -> AlarmIndicator {
        guard let top = highestActive else { return .quiet }
        let paused = audioPausedUntil.map { now < $0 } ?? false
        let audible = acknowledgedMask & Self.bit(top) == 0 && !paused
        return AlarmIndicator(priority: top.priority, audible: audible)
    }
}

/// What the indicators show; the GPIO backend turns it into buzzer and LED patterns.
public struct AlarmIndicator: Hashable, Sendable {
    public var priority: AlarmPriority?
    public var audible: Bool

    public init(priority: AlarmPriority?, audible: Bool) {
        self.priority = priority
        self.audible = audible
    }

    public static var quiet: AlarmIndicator { AlarmIndicator(priority: nil, audible: false) }
}
