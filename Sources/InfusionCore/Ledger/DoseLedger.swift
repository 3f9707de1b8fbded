/// The dose ledger: every amount of drug commanded, summed over rolling 1 h, 4 h and 24 h windows
/// and over the current program. The planner asks it before every step.
///
/// Amounts are kept in one-second buckets in a ring preallocated at initialisation, so recording
/// and querying never allocate (the control tick calls both). A window's sum covers every bucket
/// that overlaps it — up to one second more than the window — so it can over-count by what was
/// delivered in that extra second, never under-count (DESIGN.md rule 5).
///
/// - Important: the ledger only ever adds. Back-off steps after an occlusion are not subtracted:
///   drug that went forward may already be in the patient.
public struct DoseLedger: Sendable {
    /// Width of one bucket: fine enough that the over-count at a window's edge is at most one
    /// second of delivery, coarse enough that 24 h fits in 86 400 buckets.
    public static var bucketWidth: ControlDuration { ControlDuration(nanoseconds: 1_000_000_000) }

    private var buckets: [Int64]
    /// Bucket index (whole seconds of control time) that `now` falls in.
    private var currentBucket: Int64
    private var windowSums: (Int64, Int64, Int64) = (0, 0, 0)
    public private(set) var programTotal: Picograms = .zero
    public private(set) var lifetimeTotal: Picograms = .zero
    /// Drug a smart pump may have delivered that no reply has confirmed (DESIGN.md rule 5: the
    /// ledger assumes the worst until the pump's own count proves otherwise). Counted in every
    /// window and the program total, and replaced, not added to, on each update.
    public private(set) var provisional: Picograms = .zero

    private static var windowBuckets: (Int64, Int64, Int64) { (3_600, 14_400, 86_400) }
    private static var ringSize: Int { 86_400 + 2 }

    public init(startingAt now: ControlInstant = .origin) {
        buckets = [Int64](repeating: 0, count: Self.ringSize)
        currentBucket = Self.bucketIndex(now)
    }

    /// Floor division, written so no instant overflows it (Int64.min from an edited journal
    /// once did: red team, issue 14 F7).
    private static func bucketIndex(_ instant: ControlInstant) -> Int64 {
        let (quotient, remainder) = instant.nanoseconds.quotientAndRemainder(dividingBy: bucketWidth.nanoseconds)
        return remainder < 0 ? quotient - 1 : quotient
    }

    private static func slot(_ bucket: Int64) -> Int {
        Int(((bucket % Int64(ringSize)) + Int64(ringSize)) % Int64(ringSize))
    }

    /// Moves the windows forward to `now`, dropping what has aged out. Time never runs backwards
    /// here: an earlier `now` is ignored, which keeps every window at least as full as it was.
    public mutating func advance(to now: ControlInstant) {
        let target = Self.bucketIndex(now)
        guard target > currentBucket else { return }
        // After a gap longer than the ring every bucket has aged out; skip straight to the target.
        var bucket = max(currentBucket, target - Int64(Self.ringSize))
        if bucket > currentBucket {
            for index in 0..<Self.ringSize { buckets[index] = 0 }
            windowSums = (0, 0, 0)
        }
        while bucket < target {
            bucket += 1
            windowSums.0 -= expiring(bucket, Self.windowBuckets.0)
            windowSums.1 -= expiring(bucket, Self.windowBuckets.1)
            windowSums.2 -= expiring(bucket, Self.windowBuckets.2)
            buckets[Self.slot(bucket)] = 0
        }
        currentBucket = target
    }

    /// The bucket that leaves a window of `length` buckets when `bucket` becomes current.
    private func expiring(_ bucket: Int64, _ length: Int64) -> Int64 {
        buckets[Self.slot(bucket - length - 1)]
    }

    /// Adds drug commanded at `now` (call ``advance(to:)`` first).
    public mutating func record(_ amount: Picograms, at now: ControlInstant) {
        advance(to: now)
        buckets[Self.slot(currentBucket)] += amount.value
        windowSums.0 += amount.value
        windowSums.1 += amount.value
        windowSums.2 += amount.value
        programTotal = programTotal + amount
        lifetimeTotal = lifetimeTotal + amount
    }

    public func delivered(in window: DoseWindow) -> Picograms {
        switch window {
        case .oneHour: Picograms(windowSums.0 + provisional.value)
        case .fourHours: Picograms(windowSums.1 + provisional.value)
        case .twentyFourHours: Picograms(windowSums.2 + provisional.value)
        }
    }

    /// Sets the unconfirmed worst case (zero once the pump's count has settled it).
    public mutating func setProvisional(_ amount: Picograms) {
        provisional = max(.zero, amount)
    }

    /// Starts counting a new program's total; the rolling windows carry on untouched.
    public mutating func beginProgram() { programTotal = .zero }

    /// Sets the program's total after a restart from the journal's authenticated record of it;
    /// the windows are rebuilt from the records separately.
    public mutating func restoreProgramTotal(_ total: Picograms) { programTotal = max(.zero, total) }

    /// Starts counting for a new patient (DESIGN.md rule 10): the rolling windows and the program
    /// total begin again from nothing, since the previous patient's drug is not in this one. The
    /// lifetime total carries on: the write-ahead is counted against it.
    ///
    /// - Important: only an explicit, logged new-patient act calls this, never a program: a new
    ///   weight once raised the caps over drug already given (issue 14, finding 5).
    public mutating func beginPatient() {
        for index in buckets.indices { buckets[index] = 0 }
        windowSums = (0, 0, 0)
        programTotal = .zero
    }

    /// How much more drug every cap still allows: the smallest headroom of all four.
    public func headroom(under caps: DoseCaps) -> Picograms {
        let limits = (
            Picograms(roundingDown: caps.perHour) - delivered(in: .oneHour),
            Picograms(roundingDown: caps.perFourHours) - delivered(in: .fourHours),
            Picograms(roundingDown: caps.perTwentyFourHours) - delivered(in: .twentyFourHours),
            Picograms(roundingDown: caps.perProgram) - programTotal - provisional
        )
        return max(.zero, min(min(limits.0, limits.1), min(limits.2, limits.3)))
    }

    /// Whether `amount` more can be commanded without crossing any cap.
    public func permits(_ amount: Picograms, under caps: DoseCaps) -> Bool {
        amount <= headroom(under: caps)
    }
}
