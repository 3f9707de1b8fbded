import Foundation
import GPIOPump
import Journal

/// What a start needs of the machine besides the files: `--check-config` runs these too, so it
/// refuses what the start would (issue 15: it passed a socket path too long for a socket, a
/// missing directory and a journal path that was a directory, and the start refused them).
public struct StartChecks: Sendable {
    /// A configuration that cannot work as it stands: the start exits 78, and so does the check.
    public var problems: [String] = []
    /// Hardware not there now (a USB adapter unplugged, a chip absent): the start exits 75 and
    /// is retried; the check says so with the same code.
    public var notReady: [String] = []
    /// What the start allows but a person should know: a socket group this machine does not have
    /// leaves the socket to root and the daemon's own user.
    public var warnings: [String] = []

    /// `onThisMachine: false` checks only what the file itself decides (a socket path too long is
    /// too long anywhere): for a configuration prepared for another machine, as packaging and CI
    /// do, where the directories, the journal and the board are not there yet.
    /// `simulatorLinked`: whether this program has the simulator in it (`infusiond-sim`); the
    /// shipped `infusiond` does not, and refuses `kind = "simulator"` as a configuration problem.
    public static func run(_ loaded: LoadedConfiguration, onThisMachine: Bool = true, simulatorLinked: Bool) -> StartChecks {
        var checks = StartChecks()
        let configuration = loaded.configuration
        if case .simulator = configuration.hardware, !simulatorLinked { checks.problems.append(SimulatorAbsence.message) }
        guard onThisMachine else {
            checks.problems += socketLengthProblems(configuration.socket)
            return checks
        }
        checks.problems += socketProblems(configuration.socket)
        if getgrnam(configuration.socketGroup) == nil {
            checks.warnings.append(
                "socket.group: there is no group \(configuration.socketGroup) here: only root and the daemon's own user could use the socket")
        }
        checks.problems += journalProblems(configuration.journal)
        switch configuration.hardware {
        case .ne1000(let port, _):
            if !FileManager.default.fileExists(atPath: port) { checks.notReady.append("hardware.port: \(port) is not there now") }
        case .gpio:
            for chip in Set(loaded.pinMap?.fitted.compactMap { loaded.pinMap?[$0]?.address.chip } ?? []).sorted()
            where !LibGPIODLines.chipPresent(chip) {
                checks.notReady.append("hardware.pin_map: GPIO chip \(chip) is not there now")
            }
        case .simulator:
            break
        }
        return checks
    }

    /// A Unix socket's path fits `sun_path` (107 bytes and a NUL), its directory is there, and
    /// nothing but a stale socket is at the path.
    static func socketProblems(_ path: String) -> [String] {
        var problems = socketLengthProblems(path)
        let directory = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory.isEmpty ? "." : directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            problems.append("socket.path: the directory \(directory) is not there")
        }
        var existing = stat()
        if lstat(path, &existing) == 0, existing.st_mode & S_IFMT != S_IFSOCK {
            problems.append("socket.path: \(path) exists and is not a socket")
        }
        return problems
    }

    static func socketLengthProblems(_ path: String) -> [String] {
        path.utf8.count > 107 ? ["socket.path: \(path) is \(path.utf8.count) bytes; a Unix socket path must be under 108"] : []
    }

    /// The journal's path is not a directory, its directory is there, and the pump's journal was
    /// initialised (a journal or a seal is there, and what is there is a journal).
    static func journalProblems(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return ["paths.journal: \(path) is a directory, not a journal"]
        }
        // A FIFO or a device at the path would hang the reads below, and the start with them
        // (red team, issue 15 F9); a link is not the daemon's to follow.
        var found = stat()
        if lstat(path, &found) == 0, found.st_mode & S_IFMT != S_IFREG {
            return ["paths.journal: \(path) is not a regular file"]
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: directory.isEmpty ? "." : directory) {
            return ["paths.journal: the directory \(directory) is not there: infusiond --init-journal makes it"]
        }
        let journalThere = FileManager.default.fileExists(atPath: path)
        let sealThere = FileManager.default.fileExists(atPath: JournalSeal.path(forJournal: path))
        if !journalThere, !sealThere {
            return ["paths.journal: \(path): not initialised: run infusiond --init-journal once"]
        }
        if journalThere, let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            let header = (try? handle.read(upToCount: 16)) ?? Data()
            if !header.isEmpty, header != Data("SQLite format 3\u{0}".utf8) {
                return ["paths.journal: \(path) is not a journal (not an SQLite database); the start refuses it and leaves it where it is"]
            }
        }
        return []
    }
}
