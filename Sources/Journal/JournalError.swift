import GRDB

/// Why the journal could not do what was asked. The daemon stops delivery with the
/// journal-failure alarm on any of these (DESIGN.md rule 3); it never crashes on one.
public struct JournalError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The disk or the database's size limit is full.
        case full
        /// A read or write failed below SQLite.
        case io
        /// Another process holds the database.
        case locked
        /// The file is not a journal, or is damaged.
        case corrupt
        /// The hash chain does not hold: a record was changed, removed or inserted.
        case chainBroken
        /// There is no journal and no seal: the pump's journal was never initialised.
        case uninitialised
        case other
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Classifies whatever SQLite or GRDB threw.
    init(_ error: any Error, doing what: String) {
        guard let database = error as? DatabaseError else {
            self.init(.other, "\(what): \(error)")
            return
        }
        let kind: Kind =
            switch database.resultCode {
            case .SQLITE_FULL: .full
            case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY: .io
            case .SQLITE_BUSY, .SQLITE_LOCKED: .locked
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: .corrupt
            default: .other
            }
        self.init(kind, "\(what): \(database.message ?? "\(database.resultCode)")")
    }

    public var description: String { "journal \(kind.rawValue): \(message)" }
}
