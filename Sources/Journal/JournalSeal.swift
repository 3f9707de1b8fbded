import Foundation
import Glibc
import InfusionCore

/// The journal's seal: a small file beside it (`journal.sqlite.seal`) that says which journal this
/// is and how far it had got, so a journal that goes missing, is emptied, replaced or rolled back
/// (its WAL lost) is found at the next start (DESIGN.md rule 11). It also holds the key the
/// journal's records are authenticated with (HMAC-SHA256), so a ledger record edited by hand is
/// found too.
///
/// Written only by `infusiond --init-journal`, by the running daemon after it has made records
/// durable (at most once a second), and by an admin's `accept-journal` after a loss. It lags the
/// journal by at most that second, which is the safe direction: a journal ahead of its seal is
/// normal, a journal behind it has lost records.
///
/// - Important: it is tamper evidence against a confused or careless hand, not against someone
///   with root who rewrites both files consistently; nothing on the same disk could be.
public struct JournalSeal: Codable, Hashable, Sendable {
    public var journalID: String
    /// The HMAC key, hex. The file is mode 0600, owned by the daemon's user.
    public var key: String
    /// The last ledger record sealed: its id, the lifetime total after it, and its MAC.
    public var ledgerID: Int64
    public var ledgerTotal: Int64
    public var ledgerMAC: String
    /// The last event sealed: its id and chain hash.
    public var eventID: Int64
    public var eventHash: String
    /// When this seal was written, wall time, for people.
    public var wallTime: String

    public static func path(forJournal journal: String) -> String { journal + ".seal" }

    /// A new seal for a journal with nothing in it yet, with a fresh random key.
    static func fresh(journalID: String) -> JournalSeal {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return JournalSeal(
            journalID: journalID, key: SHA256.hex(key), ledgerID: 0, ledgerTotal: 0, ledgerMAC: "", eventID: 0, eventHash: "",
            wallTime: Date.now.ISO8601Format())
    }

    var keyBytes: [UInt8]? { SHA256.bytes(fromHex: key).flatMap { $0.count == 32 ? $0 : nil } }

    /// The seal at `path`: nil when there is none; throws when there is one that cannot be read.
    static func read(at path: String) throws(JournalError) -> JournalSeal? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JournalError(.io, "cannot read the seal \(path)")
        }
        guard let seal = try? JSONDecoder().decode(JournalSeal.self, from: data), seal.keyBytes != nil else {
            throw JournalError(.corrupt, "the seal \(path) is not a seal")
        }
        return seal
    }

    /// Writes the seal durably: a temporary file, synced, renamed over the old one, and the
    /// directory synced, so a crash leaves either the old seal or the new, never half of one.
    func write(to path: String) throws(JournalError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { throw JournalError(.other, "cannot encode the seal") }
        let temporary = path + ".new"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw JournalError(.io, "cannot write the seal \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == data.count, synced == 0 else {
            throw JournalError(.io, "cannot write the seal \(temporary): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else { throw JournalError(.io, "cannot replace the seal \(path): \(String(cString: strerror(errno)))") }
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }
}
