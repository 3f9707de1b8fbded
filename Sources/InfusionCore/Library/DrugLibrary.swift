/// The versioned drug library the pump enforces, with the checksum of the file it came from.
public struct DrugLibrary: Hashable, Sendable {
    public let name: String
    public let version: String
    /// SHA-256 of the file's bytes, in hex: logged by the daemon so every program can be traced
    /// to the exact library it was checked against.
    public let checksum: String
    public let drugs: [DrugEntry]

    public init(name: String, version: String, checksum: String, drugs: [DrugEntry]) {
        self.name = name
        self.version = version
        self.checksum = checksum
        self.drugs = drugs
    }

    public func drug(named name: String) -> DrugEntry? {
        drugs.first { $0.name.lowercased() == name.lowercased() }
    }
}
