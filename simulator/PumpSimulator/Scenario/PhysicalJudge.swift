import InfusionCore

/// Judges a run by what the simulated pump physically did, never by the controller's own count:
/// the drug the plunger pushed out of the barrel while the line was on the patient.
///
/// The controller's ledger and caps checks are bookkeeping; a bug can make them agree with each
/// other and still be wrong about the patient (issue 14: a prime after a stop put 50 mg into a
/// connected patient that no ledger saw, a new weight raised the caps over drug already given,
/// a completed program ran twice). The judge keeps its own facts, from the physics and from what a
/// person did, and checks after every tick:
///
/// - (a) the drug pushed into the patient in every rolling 1 h, 4 h and 24 h window stays under
///   the caps for the patient's *true* weight, and each program under what it planned plus the
///   boluses given and the volume an occlusion's back-off made it owe again;
/// - (b) the controller's ledger, since the patient was first connected, covers the drug pushed
///   into the patient;
/// - (d) a program's loading bolus begins at most once;
/// - (e) a newly raised alarm sounds unless audio is paused.
///
/// (c), no forward motion after a high alarm before a reset and a restart, is the runner's
/// ``HighAlarmLatch``. Every bound allows exactly the drive's own over-delivery
/// (``SimulatorMechanics/worstOverDelivery(nominal:millilitresPerMillimetre:)``) and one step
/// of drug, for uncommanded motion the encoder shows in whole steps.
///
/// The plunger's displacement, not the line's outflow, is the measure: the line's compliance
/// only delays the drug (its time constant is R·C ≈ 1 s) and back-off only takes some back, so
/// what the plunger pushed in is what the patient gets or will get. Judging the outflow would
/// blame the controller for fluid a prime left under pressure in the line before it was connected.
struct PhysicalJudge {
    /// What every syringe of the run truly holds (the scenario's program concentration).
    let concentration: MilligramsPerMillilitre
    let caps: CumulativeCaps
    let imperfections: SimulatorMechanics
    /// The syringes of the run set the drive's accuracy bound (a judge that kept the first
    /// syringe's judged a 50 mL barrel by a 10 mL one's bound: red team, issue 14 F14).
    private(set) var millilitresPerMillimetre: Double
    private(set) var stepsPerMillilitre: Double
    let mechanics: PumpMechanics
    /// The weight of the person on the line: the scenario's patient, then whoever a new-patient
    /// act brought, once the line had come off the one before.
    private(set) var patientWeight: Kilograms
    /// The hospital's id of that person, when a new-patient act gave one: the same id again is
    /// the same person with a corrected weight, whose drug still counts.
    private(set) var patientID: String?
    private(set) var lineConnected = false
    /// Drug pushed into this patient, in rolling windows (the ledger's own arithmetic, fed physics).
    private var physical: DoseLedger
    /// The controller's lifetime ledger when this patient was first connected, and the drug
    /// pushed into them since.
    private var ledgerAtConnection: Picograms?
    private var intoPatientSinceConnection = Milligrams.zero
    private var program: (allowance: Milligrams, pushed: Milligrams, loadingBoluses: Int)?
    private var forwardSeen = 0.0
    private var backwardSeen = 0.0
    /// Times the plunger came forward again after moving back.
    private var reversals = 0
    private var movedBackSinceForward = false
    private var outflowSeen = 0.0
    /// What left the line while it was on a patient (mL): the run's "delivered to the patient".
    /// A prime into a line not yet connected goes to the sink, not into anyone.
    private(set) var deliveredToPatient = 0.0
    /// The first few violations, and how many there were in all.
    private(set) var violations: [String] = []
    private(set) var violationCount = 0

    init(scenario: Scenario, caps: CumulativeCaps, imperfections: SimulatorMechanics, mechanics: PumpMechanics) {
        concentration = scenario.program?.concentration ?? MilligramsPerMillilitre(0)
        self.caps = caps
        self.imperfections = imperfections
        millilitresPerMillimetre = scenario.syringe.millilitresPerMillimetre
        stepsPerMillilitre = mechanics.stepsPerMillilitre(for: scenario.syringe)
        self.mechanics = mechanics
        patientWeight = scenario.program?.weight ?? Kilograms(0)
        physical = DoseLedger(startingAt: .origin)
    }

    /// The most the physics may show for `amount` of nominal drug: the drive's over-delivery, and
    /// one step for motion nobody commanded, which the encoder shows in whole steps.
    ///
    /// The wobble's swing is allowed once more for every time the plunger came forward again
    /// after going back (a back-off, then a resume): the same stretch of screw is crossed twice,
    /// and each crossing may gain its peak-to-peak on the steps that count it. Without this, a
    /// random run (occlusion, back-off, reset, resume) was judged 0.0001 mg over on 7.25 mg.
    private func allowance(_ amount: Milligrams) -> Milligrams {
        let volume = imperfections.worstOverDelivery(nominal: amount / concentration, millilitresPerMillimetre: millilitresPerMillimetre)
        let recrossed = Millilitres(Double(reversals) * imperfections.wobbleSwing(millilitresPerMillimetre: millilitresPerMillimetre).value)
        return amount + (volume + recrossed) * concentration + Millilitres(1 / stepsPerMillilitre) * concentration
    }

    // MARK: - What people did

    /// A start or resume was accepted with a syringe loaded: the line is on the patient now.
    mutating func connected(ledger: Picograms) {
        lineConnected = true
        if ledgerAtConnection == nil { ledgerAtConnection = ledger }
    }

    /// A syringe went into the clamp. A window may hold drug from each syringe of the run, so the
    /// bound is the widest bore's (the most a millimetre's error moves) and the finest step's.
    mutating func loaded(_ syringe: SyringeSpec) {
        millilitresPerMillimetre = max(millilitresPerMillimetre, syringe.millilitresPerMillimetre)
        stepsPerMillilitre = min(stepsPerMillilitre, mechanics.stepsPerMillilitre(for: syringe))
    }

    /// The syringe was unloaded: its line comes off the patient.
    mutating func disconnected() { lineConnected = false }

    /// A new patient was accepted. The person on the pump changes only if the line is off the one
    /// before: a controller that took a new patient with the line still on would otherwise be
    /// judged against a stranger's caps.
    mutating func newPatient(weight: Kilograms, id: String?) {
        if let id, id == patientID {
            patientWeight = weight
            return
        }
        guard !lineConnected else { return }
        patientWeight = weight
        patientID = id
        physical.beginPatient()
        ledgerAtConnection = nil
        intoPatientSinceConnection = .zero
        program = nil
    }

    mutating func programAccepted(_ plan: InfusionPlan) {
        // Keep-vein-open runs on after completion for as long as it is left: no total bounds it.
        let planned = plan.drug.keepVeinOpenRate.value > 0 ? Milligrams(.infinity) : plan.totalDrug
        program = (planned, .zero, 0)
    }

    mutating func programEnded() { program = nil }

    mutating func bolusAccepted(_ drug: Milligrams) {
        program?.allowance += drug
    }

    /// A start was accepted and the controller went straight to its loading bolus (d).
    mutating func loadingBolusBegan(at now: ControlInstant) {
        guard program != nil else { return }
        program?.loadingBoluses += 1
        if let count = program?.loadingBoluses, count > 1 {
            note("(d) a program's loading bolus began \(count) times, at \(now)")
        }
    }

    private mutating func note(_ violation: String) {
        violationCount += 1
        if violations.count < 5 { violations.append(violation) }
    }

    // MARK: - What the physics did

    /// Before the pump moves this tick: the ledger must already cover what was pushed so far (b),
    /// and a new alarm must sound (e).
    /// Takes plain numbers, not the controller or its alarm system: this runs every tick, and
    /// copying those (a profile showed it) cost the simulation a fifth of its time.
    mutating func check(
        ledger lifetime: Picograms, audioPausedUntil: ControlInstant?, activeAlarms: UInt32, indicator: AlarmIndicator,
        alarmRaised: Bool, at now: ControlInstant
    ) {
        if let start = ledgerAtConnection {
            let ledger = (lifetime - start).milligrams
            if intoPatientSinceConnection > allowance(ledger) {
                note("(b) \(intoPatientSinceConnection) pushed into the patient since connection, the ledger holds \(ledger), at \(now)")
            }
        }
        if alarmRaised, !indicator.audible, audioPausedUntil.map({ now < $0 }) != true {
            let active = AlarmID.allCases.filter { activeAlarms & (1 << UInt32($0.rawValue)) != 0 }.map(\.name)
            note("(e) an alarm raised at \(now) made no sound (audio not paused): \(active)")
        }
    }

    /// After the pump moved: the plunger's displacement into a connected line is drug into the
    /// patient, counted against the patient's true caps and the program's plan (a).
    /// `displacedForward`, `displacedBackward` and `outflow`: the pump's totals (``SimulatedPump``,
    /// ``LineModel/deliveredToPatient``).
    mutating func observe(displacedForward: Double, displacedBackward: Double, outflow: Double, at now: ControlInstant) {
        let forward = displacedForward - forwardSeen
        let backward = displacedBackward - backwardSeen
        forwardSeen = displacedForward
        backwardSeen = displacedBackward
        if backward > 0 { movedBackSinceForward = true }
        if forward > 0, movedBackSinceForward {
            reversals += 1
            movedBackSinceForward = false
        }
        if lineConnected { deliveredToPatient += outflow - outflowSeen }
        outflowSeen = outflow
        guard lineConnected, concentration.value > 0 else { return }
        // Back-off makes the program owe what it took back: that much more may be pushed again.
        if backward > 0 { program?.allowance += Millilitres(backward) * concentration }
        guard forward > 0 else { return }
        let drug = Millilitres(forward) * concentration
        physical.record(Picograms(roundingUp: drug), at: now)
        intoPatientSinceConnection += drug
        program?.pushed += drug
        let patientCaps = caps.forPatient(weighing: patientWeight)
        for window in DoseWindow.allCases {
            let pushed = physical.delivered(in: window).milligrams
            if pushed > allowance(patientCaps.cap(for: window)) {
                note("(a) \(pushed) pushed into a \(patientWeight) patient over \(window), cap \(patientCaps.cap(for: window)), at \(now)")
            }
        }
        if let program, program.pushed > allowance(program.allowance) {
            note("(a) \(program.pushed) pushed under one program, which planned \(program.allowance) with its boluses, at \(now)")
        }
    }
}
