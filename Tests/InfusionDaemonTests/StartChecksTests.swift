import Foundation
import InfusionDaemon
import InfusionTestSupport
import Testing

/// What the start needs of the machine, checked by `--check-config` too (DAEMON-015): each
/// condition the start refuses is named by the check, and `--file-only` keeps only what the file
/// itself decides, for a configuration prepared on another machine.
@Suite("Start checks")
struct StartChecksTests {
    /// A configuration in a scratch directory naming the repository's library and syringes, with
    /// the socket and journal paths the case gives.
    func loaded(in directory: String, socket: String, journal: String, group: String = "nogroup") throws -> LoadedConfiguration {
        let root = RepositoryFiles.root.path
        let text = """
            [hardware]
            kind = "simulator"

            [paths]
            drug_library = "\(root)/config/drug-library.toml"
            syringes = "\(root)/hardware/syringes.toml"
            journal = "\(journal)"

            [socket]
            path = "\(socket)"
            group = "\(group)"
            """
        try text.write(toFile: directory + "/infusiond.toml", atomically: true, encoding: .utf8)
        return try LoadedConfiguration.load(path: directory + "/infusiond.toml")
    }

    func scratch() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("start-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("an initialised journal and a socket directory that is there pass")
    func goodMachinePasses() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("SQLite format 3\u{0}".utf8).write(to: URL(fileURLWithPath: directory + "/journal.sqlite"))
        let checks = StartChecks.run(try loaded(in: directory, socket: directory + "/control.sock", journal: directory + "/journal.sqlite"), simulatorLinked: true)
        #expect(checks.problems.isEmpty && checks.notReady.isEmpty, "\(checks.problems)")
    }

    @Test("each condition the start refuses is named")
    func eachConditionIsNamed() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let long = directory + "/" + String(repeating: "s", count: 120) + ".sock"
        let cases: [(socket: String, journal: String, expected: String)] = [
            (long, directory + "/j.sqlite", "a Unix socket path must be under 108"),
            (directory + "/absent/control.sock", directory + "/j.sqlite", "the directory \(directory)/absent is not there"),
            (directory + "/control.sock", directory, "is a directory, not a journal"),
            (directory + "/control.sock", directory + "/absent/j.sqlite", "infusiond --init-journal makes it"),
            (directory + "/control.sock", directory + "/never.sqlite", "not initialised: run infusiond --init-journal once"),
            (directory + "/control.sock", directory + "/notes.sqlite", "is not a journal (not an SQLite database)"),
            (directory + "/infusiond.toml", directory + "/j.sqlite", "exists and is not a socket"),
            (directory + "/control.sock", directory + "/fifo", "is not a regular file"),
        ]
        #expect(mkfifo(directory + "/fifo", 0o600) == 0)
        try "shopping list\n".write(toFile: directory + "/notes.sqlite", atomically: true, encoding: .utf8)
        try Data("SQLite format 3\u{0}".utf8).write(to: URL(fileURLWithPath: directory + "/j.sqlite"))
        for (socket, journal, expected) in cases {
            let checks = StartChecks.run(try loaded(in: directory, socket: socket, journal: journal), simulatorLinked: true)
            #expect(checks.problems.contains { $0.contains(expected) }, "\(expected): \(checks.problems)")
        }
    }

    @Test("--file-only keeps what the file decides and leaves the machine's conditions to the board")
    func fileOnlySkipsTheMachine() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let elsewhere = try loaded(in: directory, socket: "/run/nowhere-\(UUID())/control.sock", journal: "/var/lib/nowhere/journal.sqlite")
        #expect(!StartChecks.run(elsewhere, simulatorLinked: true).problems.isEmpty)
        #expect(StartChecks.run(elsewhere, onThisMachine: false, simulatorLinked: true).problems.isEmpty)
        let long = try loaded(in: directory, socket: "/run/" + String(repeating: "s", count: 120), journal: "/var/lib/nowhere/journal.sqlite")
        #expect(StartChecks.run(long, onThisMachine: false, simulatorLinked: true).problems.contains { $0.contains("must be under 108") })
    }

    @Test("a program without the simulator in it refuses kind = \"simulator\", saying where the simulator is, in the check and the file-only check alike")
    func theShippedDaemonHasNoSimulator() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("SQLite format 3\u{0}".utf8).write(to: URL(fileURLWithPath: directory + "/journal.sqlite"))
        let simulated = try loaded(in: directory, socket: directory + "/control.sock", journal: directory + "/journal.sqlite")
        for onThisMachine in [true, false] {
            let problems = StartChecks.run(simulated, onThisMachine: onThisMachine, simulatorLinked: false).problems
            #expect(problems.contains { $0.contains("infusiond-sim") }, "\(problems)")
        }
        #expect(StartChecks.run(simulated, simulatorLinked: true).problems.isEmpty)
    }

    @Test("a socket group this machine does not have is a warning the check prints: the start allows it, but only root and the daemon could connect")
    func missingGroupIsAWarning() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("SQLite format 3\u{0}".utf8).write(to: URL(fileURLWithPath: directory + "/journal.sqlite"))
        let checks = StartChecks.run(
            try loaded(in: directory, socket: directory + "/control.sock", journal: directory + "/journal.sqlite", group: "no-such-group-x9"),
            simulatorLinked: true)
        #expect(checks.problems.isEmpty)
        #expect(checks.warnings.contains { $0.contains("no group no-such-group-x9") }, "\(checks.warnings)")
    }
}
