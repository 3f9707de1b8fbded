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
    private var raisedAt = InlineArray<32, Int64>(repeating: 0)
    public private(set) var audioPausedUntil: ControlInstant?
    /// Incremented whenever an alarm becomes active: lets observers notice new alarms cheaply.
    public private(set) var raisedCount: Int = 0

    /// Bits of the alarms that latch, that stop delivery, and of each priority. Literals, not
    /// derived at run time, so reading them in the tick costs no lazy-initialisation check;
    /// `AlarmSystemTests.masksMatchTheCatalogue` proves they match ``AlarmID``.
    public static var latchingMask: UInt32 { 0x1_C7FF }
    public static var stoppingMask: UInt32 { 0x1_C7FF }
    public static var highPriorityMask: UInt32 { 0x1_C3FF }
    public static var mediumPriorityMask: UInt32 { 0x6_2400 }
    public static var lowPriorityMask: UInt32 { 0x8_1800 }
    public static var vitalsMask: UInt32 { 0xF_0000 }

    /// How many alarms the fixed storage holds: one bit of a `UInt32` mask and one raise time
    /// each. `AlarmSystemTests.catalogueFitsTheStorage` fails before the catalogue outgrows it.
    public static var capacity: Int { 32 }

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

    /// What the buzzer and LEDs show. The lights follow the highest active alarm; the sound
    /// follows the highest active alarm not yet acknowledged, unless audio is paused.
    ///
    /// IEC 60601-1-8 wants every new alarm condition signalled: an alarm raised after another of
    /// its priority (or a higher one) was acknowledged must still sound, so the sound cannot be
    /// the acknowledged flag of the alarm the lights show. It once was, and a second high alarm
    /// raised behind an acknowledged first made no sound (issue 14, finding 4).
    public func indicator(at now: ControlInstant) -> AlarmIndicator {
        guard let top = highestActive else { return .quiet }
        let paused = audioPausedUntil.map { now < $0 } ?? false
        let unacknowledged = activeMask & ~acknowledgedMask
        let sound: AlarmPriority? =
            paused || unacknowledged == 0
            ? nil
            : unacknowledged & Self.highPriorityMask != 0 ? .high : unacknowledged & Self.mediumPriorityMask != 0 ? .medium : .low
        return AlarmIndicator(priority: top.priority, soundPriority: sound)
    }

    /// What survives a restart: the latched alarms, whether each was acknowledged, and when each
    /// was raised (control time, which the daemon persists). Non-latching alarms are not kept:
    /// they follow their conditions, which the first tick after the restart reads afresh.
    public var latched: LatchedAlarms {
        var raised: [AlarmID: ControlInstant] = [:]
        for id in AlarmID.allCases where activeMask & Self.latchingMask & Self.bit(id) != 0 {
            raised[id] = ControlInstant(nanoseconds: raisedAt[id.rawValue])
        }
        return LatchedAlarms(raised: raised, acknowledged: Set(AlarmID.allCases.filter { acknowledgedMask & Self.bit($0) != 0 && raised[$0] != nil }))
    }

    /// An alarm system holding `saved`'s latched alarms, as they were before a restart.
    public init(restoring saved: LatchedAlarms) {
        for (id, at) in saved.raised where Self.latchingMask & Self.bit(id) != 0 {
            activeMask |= Self.bit(id)
            raisedAt[id.rawValue] = at.nanoseconds
            if saved.acknowledged.contains(id) { acknowledgedMask |= Self.bit(id) }
        }
    }
}

/// The latched alarms of an ``AlarmSystem``, as the journal keeps them across a restart
/// (DESIGN.md rule 4: the pump comes back exactly as it was, stopped, with its alarms).
public struct LatchedAlarms: Hashable, Sendable {
    public var raised: [AlarmID: ControlInstant]
    public var acknowledged: Set<AlarmID>

    public init(raised: [AlarmID: ControlInstant] = [:], acknowledged: Set<AlarmID> = []) {
        self.raised = raised
        self.acknowledged = acknowledged
    }
}

/// What the indicators show; the GPIO backend turns it into buzzer and LED patterns.
public struct AlarmIndicator: Hashable, Sendable {
    /// The highest active alarm's priority: what the lights show.
    public var priority: AlarmPriority?
    /// The priority whose sound pattern plays: the highest of the alarms not yet acknowledged,
    /// nil when none is or audio is paused.
    public var soundPriority: AlarmPriority?

    public init(priority: AlarmPriority?, soundPriority: AlarmPriority?) {
        self.priority = priority
        self.soundPriority = soundPriority
    }

    /// An indicator whose sound, when on, is the lights' own priority.
    public init(priority: AlarmPriority?, audible: Bool) {
        self.init(priority: priority, soundPriority: audible ? priority : nil)
    }

    public var audible: Bool { soundPriority != nil }

    public static var quiet: AlarmIndicator { AlarmIndicator(priority: nil, soundPriority: nil) }
}
