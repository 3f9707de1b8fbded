import Foundation
import InfusionCore
import InfusionDaemon
import Journal
import Synchronization
import Testing

/// The journal thread's side of the write-ahead, one cycle at a time against a real journal.
@Suite("Journal writer")
struct JournalWriterTests {
    @Test("drug committed ahead for one program never covers the next: a restart restores the new program's total in full")
    func surplusDoesNotCrossPrograms() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        let (journal, gauges) = (rig.journal, rig.gauges)
        let writer = JournalWriter(journal: journal, gauges: gauges, events: LoopEventRing(capacity: 8), scale: 1, progress: { nil }, log: { _ in })

        // Program 1 runs at 1 µg/s: the writer commits 1.1 s of it ahead.
        gauges.programNumber.store(1, ordering: .releasing)
        gauges.flowPicogramsPerSecond.store(1_000_000, ordering: .releasing)
        writer.cycle()
        let ahead = gauges.durable.load(ordering: .acquiring)
        #expect(ahead >= 1_100_000)
        // It stops after 100 ng: the rest of what was committed is surplus.
        gauges.commanded.store(100_000, ordering: .releasing)
        gauges.flowPicogramsPerSecond.store(0, ordering: .releasing)
        writer.cycle()

        // Program 2 begins (stopped): the loop may not use program 1's surplus.
        gauges.programNumber.store(2, ordering: .releasing)
        writer.cycle()
        #expect(gauges.durable.load(ordering: .acquiring) == 100_000, "the surplus still covers program 2")

        // Program 2 delivers 400 ng at a slow flow; whatever the loop commands must be under program 2.
        gauges.flowPicogramsPerSecond.store(1_000, ordering: .releasing)
        writer.cycle()
        gauges.commanded.store(500_000, ordering: .releasing)
        writer.cycle()
        #expect(gauges.durable.load(ordering: .acquiring) >= 500_000)
        var ledger = DoseLedger()
        let totals = try journal.restore(into: &ledger, program: 2)
        #expect(totals.program.value >= 400_000, "program 2 restored as \(totals.program.value) pg of the 400 000 it commanded")
        #expect(totals.lifetime.value >= ahead, "the surplus stays in the ledger: over-counted, never dropped")
    }

    @Test("a start is saved as infusing before any drug is committed ahead for it, however soon after the last save")
    func progressIsDurableBeforeTheLedgerMovesForIt() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        let (journal, gauges) = (rig.journal, rig.gauges)
        let current = Mutex(SavedProgress.empty)
        let writer = JournalWriter(
            journal: journal, gauges: gauges, events: LoopEventRing(capacity: 8), scale: 1, progress: { current.withLock { $0 } },
            log: { _ in })
        writer.cycle()  // the periodic save: nothing infusing yet

        // Within the same second a program starts: the loop's change count moves and its flow appears.
        current.withLock {
            $0.syringe = "BD Plastipak 50 mL"
            $0.programNumber = 1
            $0.programPhase = "under_way"
            $0.state = "running"
        }
        gauges.changes.add(1, ordering: .releasing)
        gauges.programNumber.store(1, ordering: .releasing)
        gauges.flowPicogramsPerSecond.store(1_000_000, ordering: .releasing)
        writer.cycle()
        #expect(gauges.durable.load(ordering: .acquiring) > 0, "the ledger was written ahead")
        let saved = try #require(try journal.savedState()?.value)
        let progress = try JSONDecoder().decode(SavedProgress.self, from: Data(saved.utf8))
        #expect(progress.wasInfusing && progress.syringe == "BD Plastipak 50 mL", "drug committed ahead under an unsaved start: \(saved)")
    }

    /// Issue 15: retention keeps the present patient's events; the writer marks where they begin.
    @Test("a new patient's first event is marked as the journal's first to keep")
    func aNewPatientIsMarkedForRetention() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        let writer = JournalWriter(
            journal: rig.journal, gauges: rig.gauges, events: LoopEventRing(capacity: 8), scale: 1, progress: { nil }, log: { _ in })
        writer.cycle()
        #expect(try rig.journal.patientStartEvent() == nil, "no new patient yet")
        for _ in 0..<3 { try rig.journal.append(JournalEvent(wallTime: "t", controlNanoseconds: 1, boot: 1, type: "command", details: "")) }
        rig.gauges.patientNumber.store(2, ordering: .releasing)
        writer.cycle()
        #expect(try rig.journal.patientStartEvent() == 4)
    }

    @Test("a change the loop has not reported its progress for gets no drug committed ahead, until it does")
    func noLedgerAheadWithoutTheProgress() throws {
        let rig = try WriterRig()
        defer { rig.remove() }
        let (journal, gauges) = (rig.journal, rig.gauges)
        let answering = Atomic<Bool>(false)
        let writer = JournalWriter(
            journal: journal, gauges: gauges, events: LoopEventRing(capacity: 8), scale: 1,
            progress: { answering.load(ordering: .acquiring) ? SavedProgress.empty : nil }, log: { _ in })
        gauges.changes.add(1, ordering: .releasing)
        gauges.programNumber.store(1, ordering: .releasing)
        gauges.flowPicogramsPerSecond.store(1_000_000, ordering: .releasing)
        writer.cycle()
        #expect(gauges.durable.load(ordering: .acquiring) == 0, "drug committed ahead for a change whose progress is not saved")
        answering.store(true, ordering: .releasing)
        writer.cycle()
        #expect(gauges.durable.load(ordering: .acquiring) >= 1_100_000)
    }
}

/// A real journal in a temporary file, and the loop's gauges, for one writer.
struct WriterRig {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString).sqlite").path
    let journal: Journal
    let gauges = LoopGauges()

    init() throws { journal = try Journal(path: path) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
