import ControlProtocol
import Foundation
import InfusionCore
import InfusionDaemon
import InfusionDaemonSimulator
import InfusionTestSupport
import PumpHardware
import Testing

/// The loop thread itself, on the in-process simulator, with no journal thread behind it.
@Suite("Control loop")
struct ControlLoopTests {
    @Test("with no journal keeping ahead, a started infusion delivers nothing and stops with journal_failure")
    func journalThatNeverCommitsStopsDelivery() throws {
        let library = try RepositoryFiles.library()
        let syringe = try RepositoryFiles.syringe()
        let gauges = LoopGauges()
        let clock = LoopClock(persisted: 0, monotonicNow: MonotonicClock.now().nanoseconds, scale: 60)
        let loop = ControlLoop(
            controller: InfusionController(settings: ControllerSettings()), device: SimulatorDevice(fill: Millilitres(50)),
            clock: clock, validator: ProgramValidator(library: library), progress: .empty, gauges: gauges)
        let thread = Thread { loop.run(realTime: false, log: { _ in }) }
        thread.start()
        defer { gauges.stopRequested.store(true, ordering: .releasing) }

        let arguments = ProgramArguments(drug: "ketamine", concentration: "10 mg/mL", weight: "70 kg", dose: "0.35 mg/kg/h", duration: "4 h")
        for request in [LoopRequest.loadSyringe(syringe, fill: Millilitres(50)), .program(try arguments.request(), text: arguments), .command(.start)] {
            guard case .done? = loop.mailbox.post(request, timeout: 30) else {
                Issue.record("\(request) was not done")
                return
            }
        }
        var report: StatusReport?
        eventually("journal_failure raised") {
            report = loop.statusBoard.report()
            return report?.alarms.contains { $0.id == "journal_failure" } == true
        }
        #expect(report?.state == "stopped_by_alarm")
        #expect(report?.ledgerMg == 0, "the motor passed a ledger the journal never made durable")
        #expect(report?.simulatorDeliveredMl == 0)
        #expect(gauges.durable.load(ordering: .acquiring) == 0)
    }

    @Test("status is read from the loop's board on the reader's thread: a command's effect is on it when the command returns")
    func statusBoardFollowsCommands() throws {
        let clock = LoopClock(persisted: 0, monotonicNow: MonotonicClock.now().nanoseconds)
        let loop = ControlLoop(
            controller: InfusionController(settings: ControllerSettings()), device: SimulatorDevice(fill: Millilitres(50)),
            clock: clock, validator: ProgramValidator(library: try RepositoryFiles.library()), progress: .empty, gauges: LoopGauges())
        #expect(loop.statusBoard.report().state == "no_syringe")
        let now = clock.control(atMonotonic: MonotonicClock.now().nanoseconds)
        guard case .done = loop.handle(.loadSyringe(try RepositoryFiles.syringe(), fill: Millilitres(50)), at: now) else {
            Issue.record("load-syringe refused")
            return
        }
        let loaded = loop.statusBoard.report()
        #expect(loaded.state == "syringe_loaded")
        #expect(loaded.syringe == "BD Plastipak 50 mL")
        #expect(abs((loaded.syringeRemainingMl ?? 0) - 50) < 0.001)
        let arguments = ProgramArguments(drug: "ketamine", concentration: "10 mg/mL", weight: "70 kg", dose: "0.35 mg/kg/h", duration: "4 h")
        guard case .done = loop.handle(.program(try arguments.request(), text: arguments), at: now) else {
            Issue.record("program refused")
            return
        }
        let programmed = loop.statusBoard.report()
        #expect(programmed.state == "programmed")
        #expect(programmed.program?.drug == "ketamine" && programmed.program?.concentrationMgPerMl == 10)
        #expect(abs((programmed.timeRemainingS ?? 0) - 4 * 3_600) < 0.01)
    }
}
