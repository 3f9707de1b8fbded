import Foundation
import InfusionCore
import PumpHardware
import SerialPump

/// `serialpump-harness`: a ketamine program run by the real control core through the real NE-1000
/// driver (SerialPump over libserialport) in real time, printing one JSON line per 50 ms.
/// The serial-path tests start it against `pumpsim serve`, inject faults, and kill it.
///
/// Usage: serialpump-harness PORT DOSE_MG_PER_KG_PER_H VOLUME_ML SECONDS   (run from the repository root)

struct Line: Encodable {
    var monotonicNanoseconds: Int64
    var state: String
    var alarms: [String]
    var commandedSteps: Int64
    var confirmedSteps: Int64?
    var unconfirmedSteps: Int64?
    var ledgerMilligrams: Double
    var linkHealthy: Bool
    var final: Bool
}

let arguments = CommandLine.arguments
guard arguments.count == 5, let dose = Double(arguments[2]), let volume = Double(arguments[3]), let seconds = Double(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: serialpump-harness PORT DOSE_MG_PER_KG_PER_H VOLUME_ML SECONDS\n".utf8))
    exit(2)
}
do {
    let library = try DrugLibraryParser.parse(try String(contentsOfFile: "config/drug-library.toml", encoding: .utf8))
    let syringe = try SyringeTable(toml: try String(contentsOfFile: "hardware/syringes.toml", encoding: .utf8)).syringe(named: "BD Plastipak 50 mL")
    let driver = try SerialPumpDriver(portName: arguments[1], settings: SerialPumpSettings()) { event in
        FileHandle.standardError.write(Data("ne1000: \(event)\n".utf8))
    }
    var device = SerialPumpDevice(driver: driver)
    // The pump must have answered its handshake before a program starts, as the daemon waits.
    let deadline = MonotonicClock.now() + .seconds(5)
    while !device.sample(at: MonotonicClock.now()).pumpLinkHealthy {
        guard MonotonicClock.now() < deadline else {
            FileHandle.standardError.write(Data("serialpump-harness: the pump did not answer within 5 s\n".utf8))
            exit(1)
        }
        Thread.sleep(forTimeInterval: 0.005)
    }
    let start = MonotonicClock.now()
    // A smart pump has no encoder the loop reads; its own count (DIS) is the cross-check.
    var controller = InfusionController(settings: ControllerSettings(encoderFitted: false), startingAt: start)
    let request = ProgramRequest(
        drug: "ketamine", concentration: MilligramsPerMillilitre(1), weight: Kilograms(70),
        dose: .weightBased(MilligramsPerKilogramPerHour(dose)), extent: .volume(Millilitres(volume)), loadingBolus: nil)
    try controller.handle(.loadSyringe(syringe, fill: Millilitres(50)), at: start).get()
    let validation = controller.validate(request, with: ProgramValidator(library: library))
    guard let plan = validation.plan else {
        FileHandle.standardError.write(Data("program refused: \(validation)\n".utf8))
        exit(2)
    }
    try controller.handle(.program(plan), at: start).get()
    try controller.handle(.start, at: start).get()

    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    var nextPrint = start
    var finalSeen = 0
    while true {
        let now = MonotonicClock.now()
        let sensors = device.sample(at: now)
        let actuation = controller.tick(now: now, sensors: sensors)
        device.apply(actuation, at: now, interval: .milliseconds(2))
        let done = now - start > ControlDuration(Seconds(seconds))
        let settled = !controller.state.isDelivering && sensors.pumpReport.map { $0.unconfirmedSteps == 0 } == true
        if settled { finalSeen += 1 }
        if now >= nextPrint || done || finalSeen == 200 {
            nextPrint = now + .milliseconds(50)
            let line = Line(
                monotonicNanoseconds: now.nanoseconds, state: "\(controller.state)",
                alarms: AlarmID.allCases.filter { controller.alarms.isActive($0) }.map(\.name), commandedSteps: device.commanded,
                confirmedSteps: sensors.pumpReport?.confirmedSteps, unconfirmedSteps: sensors.pumpReport?.unconfirmedSteps,
                ledgerMilligrams: controller.ledger.lifetimeTotal.milligrams.value, linkHealthy: sensors.pumpLinkHealthy,
                final: done || finalSeen == 200)
            FileHandle.standardOutput.write(try encoder.encode(line) + Data("\n".utf8))
            if done || finalSeen == 200 { break }
        }
        Thread.sleep(forTimeInterval: 0.002)
    }
    driver.shutdown()
} catch {
    FileHandle.standardError.write(Data("serialpump-harness: \(error)\n".utf8))
    exit(1)
}
