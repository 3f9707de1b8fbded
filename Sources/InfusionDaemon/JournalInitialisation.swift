import Foundation
import Journal

extension Daemon {
    /// `infusiond --init-journal`: creates the pump's journal and its seal where the configuration
    /// says, once (DESIGN.md rule 11). The package's first install runs it; afterwards a journal
    /// found missing is journal_lost, never a fresh start. Answers what it did, for the log.
    public static func initialiseJournal(_ loaded: LoadedConfiguration) throws(StartupError) -> String {
        let path = loaded.configuration.journal
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = try Journal.initialise(at: path)
        } catch {
            throw StartupError("paths.journal: \(path): \(error)")
        }
        return "journal initialised at \(path), sealed by \(JournalSeal.path(forJournal: path))"
    }
}
