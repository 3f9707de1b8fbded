/// Whether delivery is still owed a person's attention after a high-priority alarm: raised, it
/// holds until a reset is accepted and then a start or resume. The runner counts any forward step
/// while it holds; the controller's own alarm logic is what is under test, so this follows only
/// what a person did, not what the controller thinks of it.
struct HighAlarmLatch {
    private enum Stage { case clear, raised, reset }
    private var stage = Stage.clear

    var holdsDelivery: Bool { stage != .clear }

    mutating func raised() { stage = .raised }

    mutating func reset() {
        if stage == .raised { stage = .reset }
    }

    mutating func restarted() {
        if stage == .reset { stage = .clear }
    }
}
