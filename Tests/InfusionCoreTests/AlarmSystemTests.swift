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
}
