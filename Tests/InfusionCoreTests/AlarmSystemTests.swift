import InfusionCore
import Testing

@Suite("Alarm system (IEC 60601-1-8)")
struct AlarmSystemTests {
    let t0 = ControlInstant.origin

    @Test func masksMatchTheCatalogue() {
        #expect(AlarmSystem.latchingMask == AlarmSystem.mask { $0.isLatching })
        #expect(AlarmSystem.stoppingMask == AlarmSystem.mask { $0.stopsDelivery })
        #expect(AlarmSystem.highPriorityMask == AlarmSystem.mask { $0.priority == .high })
        #expect(AlarmSystem.mediumPriorityMask == AlarmSystem.mask { $0.priority == .medium })
        #expect(AlarmSystem.lowPriorityMask == AlarmSystem.mask { $0.priority == .low })
        #expect(AlarmSystem.vitalsMask == AlarmSystem.mask { $0.isVitals })
    }

    /// Raw values index a `UInt32` mask and the raise times' `InlineArray`: a 33rd alarm would
    /// shift past the mask's width (a trap) and index past the storage. This fails first.
    @Test func catalogueFitsTheStorage() {
        #expect(AlarmID.allCases.count <= AlarmSystem.capacity)
        #expect(AlarmID.allCases.map(\.rawValue) == Array(0..<AlarmID.allCases.count), "raw values are the storage's indices, dense from 0")
        var alarms = AlarmSystem()
        for id in AlarmID.allCases { alarms.update(id, conditionPresent: true, at: t0 + .seconds(Int64(id.rawValue))) }
        #expect(AlarmID.allCases.allSatisfy { alarms.isActive($0) && alarms.record($0).raisedAt == t0 + .seconds(Int64($0.rawValue)) })
    }

    @Test func vitalsAlarmsAreWhatTheIssueNames() {
        #expect(AlarmID.vitalsCritical.priority == .high && AlarmID.vitalsCritical.isLatching && AlarmID.vitalsCritical.stopsDelivery)
        #expect(AlarmID.vitalsWarning.priority == .medium && !AlarmID.vitalsWarning.stopsDelivery && !AlarmID.vitalsWarning.isLatching)
        #expect(AlarmID.vitalsSourceLost.priority == .medium && !AlarmID.vitalsSourceLost.stopsDelivery)
        #expect(AlarmID.vitalsChartDue.priority == .low && !AlarmID.vitalsChartDue.stopsDelivery)
        #expect(["vitals_critical", "vitals_warning", "vitals_source_lost"].allSatisfy { AlarmID(name: $0) != nil })
    }

    @Test func catalogueMarksHazardsHighAndLatching() {
        for id in [AlarmID.occlusion, .airInLine, .syringeEmpty, .syringeDisengaged, .motorStall, .deliveryMismatch, .pumpLinkLost, .journalFailure, .loopOverrun, .restartedDuringInfusion, .forceSensorFault] {
            #expect(id.priority == .high && id.isLatching && id.stopsDelivery, "\(id)")
        }
        #expect(!AlarmID.nearEmpty.stopsDelivery)
        #expect(AlarmID.doseLimitReached.stopsDelivery)
        #expect(AlarmID.allCases.allSatisfy { AlarmID(name: $0.name) == $0 })
    }

    @Test func highAlarmLatchesUntilResetAfterItsConditionClears() {
        var alarms = AlarmSystem()
        let raised = alarms.update(.occlusion, conditionPresent: true, at: t0)
        #expect(raised)
        let persisting = alarms.reset(at: t0)
        #expect(persisting == [.occlusion], "reset must refuse while the condition persists")
        #expect(alarms.isActive(.occlusion))
        alarms.update(.occlusion, conditionPresent: false, at: t0 + .seconds(1))
        #expect(alarms.isActive(.occlusion), "a high alarm latches")
        let afterClear = alarms.reset(at: t0 + .seconds(2))
        #expect(afterClear.isEmpty)
        #expect(!alarms.isActive(.occlusion))
    }

    @Test func acknowledgeSilencesButDoesNotClear() {
        var alarms = AlarmSystem()
        alarms.update(.airInLine, conditionPresent: true, at: t0)
        #expect(alarms.indicator(at: t0).audible)
        let acknowledged = alarms.acknowledge(.airInLine)
        #expect(acknowledged)
        #expect(alarms.isActive(.airInLine))
        #expect(alarms.indicator(at: t0) == AlarmIndicator(priority: .high, audible: false))
        var quiet = AlarmSystem()
        let nothing = quiet.acknowledge(nil)
        #expect(!nothing, "nothing to acknowledge")
    }

    @Test func audioPausedLastsAtMostTwoMinutesThenReArms() {
        var alarms = AlarmSystem()
        alarms.update(.occlusion, conditionPresent: true, at: t0)
        alarms.pauseAudio(at: t0)
        #expect(!alarms.indicator(at: t0 + .seconds(119)).audible)
        #expect(alarms.indicator(at: t0 + .seconds(120)).audible)
    }

    @Test func aNewAlarmEndsAudioPaused() {
        var alarms = AlarmSystem()
        alarms.update(.nearEmpty, conditionPresent: true, at: t0)
        alarms.pauseAudio(at: t0)
        alarms.update(.occlusion, conditionPresent: true, at: t0 + .seconds(5))
        #expect(alarms.indicator(at: t0 + .seconds(6)) == AlarmIndicator(priority: .high, audible: true))
    }

    @Test func onlyTheHighestPriorityDrivesTheIndicator() {
        var alarms = AlarmSystem()
        alarms.update(.nearEmpty, conditionPresent: true, at: t0)
        #expect(alarms.indicator(at: t0).priority == .low)
        alarms.update(.pausedTooLong, conditionPresent: true, at: t0 + .seconds(1))
        alarms.update(.syringeEmpty, conditionPresent: true, at: t0 + .seconds(2))
        alarms.update(.occlusion, conditionPresent: true, at: t0 + .seconds(3))
        #expect(alarms.highestActive == .syringeEmpty, "earliest of the highest priority")
        #expect(alarms.indicator(at: t0 + .seconds(3)).priority == .high)
    }

    @Test func nonLatchingAlarmEndsWithItsCondition() {
        var alarms = AlarmSystem()
        alarms.update(.nearEmpty, conditionPresent: true, at: t0)
        alarms.update(.nearEmpty, conditionPresent: false, at: t0 + .seconds(1))
        #expect(!alarms.anyActive)
    }
    /// ALARM-012, issue 14 finding 4: the indicator followed the earliest raised high alarm, so
    /// once that one was acknowledged a later high alarm made no sound.
    @Test func aNewAlarmSoundsBehindAnAcknowledgedOne() {
        var alarms = AlarmSystem()
        alarms.update(.occlusion, conditionPresent: true, at: t0)
        alarms.acknowledge(.occlusion)
        #expect(!alarms.indicator(at: t0).audible)
        alarms.update(.airInLine, conditionPresent: true, at: t0 + .seconds(10))
        #expect(alarms.indicator(at: t0 + .seconds(10)) == AlarmIndicator(priority: .high, soundPriority: .high))
        alarms.acknowledge(.airInLine)
        // A medium alarm behind an acknowledged high one sounds as medium; the lights stay high.
        alarms.update(.pausedTooLong, conditionPresent: true, at: t0 + .seconds(20))
        #expect(alarms.indicator(at: t0 + .seconds(20)) == AlarmIndicator(priority: .high, soundPriority: .medium))
    }

    /// PATIENT-004: the latched alarms, acknowledged or not, are what a restart restores.
    @Test func latchedAlarmsAreWhatARestartKeeps() {
        var alarms = AlarmSystem()
        alarms.update(.occlusion, conditionPresent: true, at: t0 + .seconds(3))
        alarms.acknowledge(.occlusion)
        alarms.raise(.doseLimitReached, at: t0 + .seconds(4))
        alarms.update(.nearEmpty, conditionPresent: true, at: t0 + .seconds(5))
        let restored = AlarmSystem(restoring: alarms.latched)
        #expect(restored.active == [.occlusion, .doseLimitReached], "a non-latching alarm follows its condition, not the journal")
        #expect(restored.record(.occlusion).acknowledged && restored.record(.occlusion).raisedAt == t0 + .seconds(3))
        #expect(!restored.record(.doseLimitReached).acknowledged)
    }
}
