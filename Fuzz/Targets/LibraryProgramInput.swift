import InfusionCore

/// One fuzz input as what a file or a technician can put in front of the dose arithmetic (LIB-003).
///
/// An input holding `[library]` is a drug library: if it parses, programs at every edge of its own
/// limits (and a thousand times past them) are validated and, where accepted, given to a
/// controller that runs them across long jumps of time. Any other input is one program as a
/// technician types it, `drug|concentration|weight|dose|duration|bolus`, validated against
/// `library` and run the same way. Answers what went wrong short of a trap: an accepted program
/// whose numbers are not finite, or a ledger that went negative. A trap is the fuzzer's to catch.
public func libraryProgramInput(_ bytes: UnsafeBufferPointer<UInt8>, library shipped: DrugLibrary, syringe: SyringeSpec) -> [String] {
    let text = String(decoding: bytes, as: UTF8.self)
    var problems: [String] = []
    if text.contains("[library]") {
        guard let library = try? DrugLibraryParser.parse(text) else { return [] }
        for drug in library.drugs {
            for request in edgeRequests(drug) { problems += run(request, library: library, syringe: syringe) }
        }
        return problems
    }
    let fields = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    guard fields.count >= 5 else { return [] }
    guard let concentration = try? QuantityParser.concentration(fields[1]), let weight = try? QuantityParser.weight(fields[2]),
        let dose = try? QuantityParser.doseRate(fields[3])
    else { return [] }
    let extent: ProgramRequest.Extent
    if let duration = try? QuantityParser.duration(fields[4]) {
        extent = .duration(duration)
    } else if let volume = try? QuantityParser.volume(fields[4]) {
        extent = .volume(volume)
    } else {
        return []
    }
    let bolus = fields.count > 5 ? try? QuantityParser.weightDose(fields[5]) : nil
    let request = ProgramRequest(
        drug: fields[0], concentration: concentration, weight: weight, dose: dose, extent: extent, loadingBolus: bolus,
        confirmSoftLimits: true)
    _ = "\(request)"
    return run(request, library: shipped, syringe: syringe)
}

/// Programs at the library's own limits, and far past them.
private func edgeRequests(_ drug: DrugEntry) -> [ProgramRequest] {
    var requests: [ProgramRequest] = []
    let weights = [drug.weightLimits.hardMinimum ?? drug.weightLimits.hardMaximum, drug.weightLimits.hardMaximum]
    var doses: [DoseRate] = []
    if let band = drug.weightBasedDoseLimits {
        doses += [band.hardMinimum, band.hardMaximum].compactMap { $0 }.map { .weightBased($0) }
        doses.append(.weightBased(band.hardMaximum * 1_000))
    }
    if let band = drug.fixedDoseLimits {
        doses += [band.hardMinimum, band.hardMaximum].compactMap { $0 }.map { .fixed($0) }
    }
    for concentration in drug.concentrations.prefix(3) {
        for weight in weights {
            for dose in doses {
                for extent in [ProgramRequest.Extent.duration(Seconds(60)), .duration(Seconds(3.6e15)), .volume(Millilitres(1e12))] {
                    requests.append(
                        ProgramRequest(
                            drug: drug.name, concentration: concentration, weight: weight, dose: dose, extent: extent,
                            loadingBolus: drug.bolusLimits?.hardMaximum, confirmSoftLimits: true))
                }
            }
        }
    }
    return requests
}

/// Validates `request`; an accepted plan is loaded into a controller and run over long jumps.
private func run(_ request: ProgramRequest, library: DrugLibrary, syringe: SyringeSpec) -> [String] {
    let validator = ProgramValidator(library: library)
    let validation = validator.validate(request, syringe: syringe, ledger: DoseLedger())
    _ = "\(validation)"
    guard case .accepted(let plan) = validation else { return [] }
    var problems: [String] = []
    if !plan.rate.value.isFinite || !plan.totalDrug.value.isFinite || !plan.volume.value.isFinite {
        problems.append("accepted a plan with numbers that are not finite: \(plan.rate), \(plan.totalDrug), \(plan.volume)")
    }
    var controller = InfusionController(settings: ControllerSettings(encoderFitted: false))
    var now = ControlInstant.origin
    _ = controller.handle(.loadSyringe(syringe, fill: syringe.usableVolume), at: now)
    _ = "\(TechnicianCommand.program(plan))"
    guard case .success = controller.handle(.program(plan), at: now), case .success = controller.handle(.start, at: now) else {
        return problems
    }
    var motorSteps: Int64 = 0
    for jump in [Int64(1_000_000), 1_000_000_000, 3_600_000_000_000, 86_400_000_000_000] {
        now = now + ControlDuration(nanoseconds: jump)
        let actuation = controller.tick(now: now, sensors: SensorSnapshot(motorSteps: motorSteps, encoderCounts: nil))
        motorSteps &+= actuation.steps
    }
    if controller.ledger.lifetimeTotal.value < 0 { problems.append("the ledger went negative: \(controller.ledger.lifetimeTotal.value) pg") }
    return problems
}
