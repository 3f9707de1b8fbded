import ArgumentParser
import ControlProtocol
import Foundation

/// `infusionctl`: the technician's command line. Exit status: 0 done, 2 usage, 3 refused by a
/// limit, an alarm or the state (the reason printed), 4 not permitted, 5 daemon unreachable.
@main
struct InfusionCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infusionctl",
        abstract: "Talk to infusiond over its local socket.",
        subcommands: [
            Status.self, Library.self, LoadSyringe.self, UnloadSyringe.self, Prime.self, Program.self, Start.self, Pause.self,
            Resume.self, Stop.self, Bolus.self, Alarms.self, Ack.self, Silence.self, Reset.self, NewPatient.self, Vitals.self, History.self,
            ReloadLibrary.self, AcceptJournal.self, Simulate.self,
        ])

    /// ArgumentParser's own usage status is 64; the contract is 2. Help and completions exit 0.
    static func main() {
        do {
            var command = try parseAsRoot(globalOptionsAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let failure as ClientFailure {
            printError("infusionctl: \(failure.message)")
            Foundation.exit(failure.status)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) }
            printError(fullMessage(for: error))
            Foundation.exit(2)
        }
    }
}

/// `--socket PATH` and `--json` are global: given before the subcommand, they are moved after it,
/// where each subcommand's options read them.
func globalOptionsAfterSubcommand(_ arguments: [String]) -> [String] {
    var leading: [String] = []
    var rest = arguments[...]
    while let first = rest.first, first.hasPrefix("--") {
        if first == "--json" || first.hasPrefix("--socket=") {
            leading.append(first)
            rest = rest.dropFirst()
        } else if first == "--socket", rest.count >= 2 {
            leading.append(contentsOf: rest.prefix(2))
            rest = rest.dropFirst(2)
        } else {
            break
        }
    }
    guard !leading.isEmpty, let subcommand = rest.first else { return arguments }
    return [subcommand] + leading + rest.dropFirst()
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The pump's state, program, delivery and alarms.")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Keep showing it: redrawn in place on a terminal, a line per update when piped.")
    var watch = false

    func run() throws {
        if watch { return try Invocation.watch(options) }
        let renderer = StatusRenderer(terminal: false)
        try Invocation.perform(.status, options, as: StatusReport.self) { renderer.lines($0).joined(separator: "\n") }
    }
}

struct Library: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The drug library in force.")
    @OptionGroup var options: GlobalOptions
    func run() throws {
        try Invocation.perform(.library, options, as: LibraryResult.self) { library in
            (["\(library.name) \(library.version) (sha256 \(library.checksum.prefix(12)))"]
                + library.drugs.map { drug in
                    let concentrations = drug.concentrationsMgPerMl.map { "\($0) mg/mL" }.joined(separator: ", ")
                    return "  \(drug.name): \(drug.displayName); \(concentrations); hard maximum \(drug.hardMaximumDose ?? "-")"
                }).joined(separator: "\n")
        }
    }
}

struct LoadSyringe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load-syringe", abstract: "Declare the syringe now in the clamp.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "A syringe in the syringe table, e.g. bd-plastipak-50.") var name: String
    @Option(help: "What it holds, e.g. \"48 mL\" (default: its usable volume).") var fill: String?
    func run() throws { try Invocation.perform(.loadSyringe(name: name, fill: fill), options, as: Done.self) { _ in "" } }
}

struct UnloadSyringe: PlainCommand {
    static let request = ControlCommand.unloadSyringe
    static let configuration = CommandConfiguration(commandName: "unload-syringe", abstract: "Declare the syringe removed.")
    @OptionGroup var options: GlobalOptions
}

struct Prime: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fill the line before the patient is connected: a syringe loaded, no program (at most 5 mL).")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Volume, e.g. \"0.5 mL\".") var volume: String
    @Flag(help: "Confirm the line is disconnected from the patient: needed once a program has started on this pump.")
    var lineDisconnected = false
    func run() throws { try Invocation.perform(.prime(volume: volume, lineDisconnected: lineDisconnected), options, as: Done.self) { _ in "" } }
}

struct Program: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Program an infusion, checked against the drug library and the dose caps.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "A drug in the library.") var drug: String
    @Option(help: "e.g. \"10 mg/mL\".") var concentration: String
    @Option(help: "e.g. \"70 kg\".") var weight: String
    @Option(help: "e.g. \"0.35 mg/kg/h\" or \"22 mg/h\".") var dose: String
    @Option(help: "e.g. \"4 h\" (or give --volume).") var duration: String?
    @Option(help: "e.g. \"24 mL\" (or give --duration).") var volume: String?
    @Option(help: "A loading bolus, e.g. \"0.2 mg/kg\".") var bolus: String?
    @Flag(help: "Confirm every soft limit the program crosses (logged).") var confirmSoftLimits = false

    func validate() throws {
        guard (duration == nil) != (volume == nil) else { throw ValidationError("give exactly one of --duration and --volume") }
    }

    func run() throws {
        let arguments = ProgramArguments(
            drug: drug, concentration: concentration, weight: weight, dose: dose, duration: duration, volume: volume, bolus: bolus,
            confirmSoftLimits: confirmSoftLimits)
        try Invocation.perform(.program(arguments), options, as: Done.self) { _ in "" }
    }
}

struct Start: PlainCommand {
    static let request = ControlCommand.start
    static let configuration = CommandConfiguration(abstract: "Start the programmed infusion.")
    @OptionGroup var options: GlobalOptions
}

struct Pause: PlainCommand {
    static let request = ControlCommand.pause
    @OptionGroup var options: GlobalOptions
}

struct Resume: PlainCommand {
    static let request = ControlCommand.resume
    @OptionGroup var options: GlobalOptions
}

struct Stop: PlainCommand {
    static let request = ControlCommand.stop
    @OptionGroup var options: GlobalOptions
}

struct Bolus: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Give a bolus on top of the running infusion.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "e.g. \"0.1 mg/kg\".") var dose: String
    @Flag(help: "Confirm every soft limit the bolus crosses (logged).") var confirmSoftLimits = false
    func run() throws {
        try Invocation.perform(.bolus(dose: dose, confirmSoftLimits: confirmSoftLimits), options, as: Done.self) { _ in "" }
    }
}

struct Alarms: ParsableCommand {
    @OptionGroup var options: GlobalOptions
    func run() throws {
        try Invocation.perform(.alarms, options, as: AlarmsResult.self) { result in
            guard !result.alarms.isEmpty else { return "no active alarm" }
            return result.alarms.map { "\($0.priority.rawValue) \($0.id)" + ($0.acknowledged ? " (acknowledged)" : "") }
                .joined(separator: "\n") + (result.audioPaused ? "\naudio paused" : "")
        }
    }
}

struct Ack: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Acknowledge an alarm (all active ones without an ID).")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "An alarm, e.g. occlusion.") var alarm: String?
    func run() throws { try Invocation.perform(.acknowledge(alarm: alarm), options, as: Done.self) { _ in "" } }
}

struct Silence: PlainCommand {
    static let request = ControlCommand.silence
    static let configuration = CommandConfiguration(abstract: "Pause the alarm's audio for up to two minutes.")
    @OptionGroup var options: GlobalOptions
}

struct Reset: PlainCommand {
    static let request = ControlCommand.reset
    static let configuration = CommandConfiguration(abstract: "Reset latched alarms whose condition has gone.")
    @OptionGroup var options: GlobalOptions
}

struct NewPatient: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-patient",
        abstract: "Start a new patient, whose caps count from nothing, or correct the present one's weight (logged).",
        discussion: """
            With the present patient's own --id it corrects their weight: the drug already given still \
            counts against the caps. With another id, or none, it starts a new patient: the previous \
            patient's drug no longer counts, and it is refused while the loaded syringe's line is on the \
            present patient (unload it first: a new patient needs a new line). Either is refused while a \
            program is under way, and a program not yet started is dropped.
            """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "The patient's weight, e.g. \"70 kg\".") var weight: String
    @Option(name: .customLong("id"), help: "The hospital's patient identifier (letters, digits, . - _).") var patientID: String?
    func validate() throws {
        if let patientID, let problem = PatientIdentifier.problem(with: patientID) { throw ValidationError("--id \(problem)") }
    }
    func run() throws { try Invocation.perform(.newPatient(weight: weight, id: patientID), options, as: Done.self) { _ in "" } }
}

struct Vitals: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chart observations measured by hand: blood pressure, respiratory rate, heart rate, SpO2 (logged).",
        discussion: """
            The vital-signs interlock judges them with the oximeter's values, against the drug library's \
            bands, from the moment they are recorded until they are older than the library's chart_every.
            """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "Blood pressure from a cuff, systolic/diastolic in mmHg, e.g. \"150/95\".") var bp: String?
    @Option(help: "Respiratory rate, counted, breaths a minute.") var rr: String?
    @Option(help: "Heart rate, beats a minute.") var hr: String?
    @Option(help: "SpO2, percent.") var spo2: String?
    func validate() throws {
        guard bp != nil || rr != nil || hr != nil || spo2 != nil else { throw ValidationError("give at least one of --bp, --rr, --hr, --spo2") }
    }
    func run() throws {
        try Invocation.perform(.vitals(ChartArguments(bloodPressure: bp, respiratoryRate: rr, heartRate: hr, spo2: spo2)), options, as: Done.self) { _ in "" }
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The event log; --verify checks its hash chain.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Only events from this control time on, in ns.") var since: Int64?
    @Option(help: "At most this many events (1…10000).") var limit = 100
    @Flag(help: "Verify the whole hash chain.") var verify = false
    func run() throws {
        try Invocation.perform(.history(sinceControlNanoseconds: since, limit: limit, verify: verify), options, as: HistoryResult.self) {
            result in
            var lines = result.events.map { event in
                let who = event.uid.map { " uid \($0) pid \(event.pid ?? 0) \(event.role ?? "no role")" } ?? ""
                return "\(event.id) \(event.wallTime) \(event.type)\(who): \(event.details)"
            }
            if let omitted = result.omittedEvents {
                lines.insert("(\(omitted) more events did not fit one answer; ask again with --since)", at: 0)
            }
            if let verified = result.verifiedEvents { lines.append("chain verified: \(verified) events") }
            return lines.joined(separator: "\n")
        }
    }
}

struct ReloadLibrary: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reload-library", abstract: "Re-read the drug library (admin).")
    @OptionGroup var options: GlobalOptions
    func run() throws { try Invocation.perform(.reloadLibrary, options, as: LibraryResult.self) { "\($0.name) \($0.version) in force" } }
}

struct AcceptJournal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept-journal",
        abstract: "Accept a journal found lost (journal_lost) as it is, saying why (admin; logged).",
        discussion: """
            The daemon found its journal missing, emptied, replaced, rolled back or edited, and delivers \
            nothing while it stands unaccepted: the totals the caps count against cannot be trusted. \
            Accepting makes what the journal holds the record from here on; check the patient's chart first \
            (docs/operations.md). Then reset the alarm.
            """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "Why, for the log: e.g. \"disk replaced; totals checked against the chart\".") var reason: String
    func run() throws { try Invocation.perform(.acceptJournal(reason: reason), options, as: Done.self) { _ in "" } }
}

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inject a fault into the in-process simulator (demonstrations, tests).")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "occlusion, clear_occlusion, air, disengage, engage, stall or unstall.") var fault: String
    func run() throws { try Invocation.perform(.simulate(fault: fault), options, as: Done.self) { _ in "" } }
}

/// A command with no arguments of its own that answers only "done".
protocol PlainCommand: ParsableCommand {
    static var request: ControlCommand { get }
    var options: GlobalOptions { get }
}

extension PlainCommand {
    func run() throws { try Invocation.perform(Self.request, options, as: Done.self) { _ in "" } }
}
