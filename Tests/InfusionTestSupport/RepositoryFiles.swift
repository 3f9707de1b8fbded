import Foundation
import InfusionCore

/// The project's shipped files, found from this source file's path so tests run from any directory.
public enum RepositoryFiles {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    public static func library() throws -> DrugLibrary {
        try DrugLibraryParser.parse(try text("config/drug-library.toml"))
    }

    public static func syringes() throws -> SyringeTable {
        try SyringeTable(toml: try text("hardware/syringes.toml"))
    }

    public static func syringe(_ name: String = "BD Plastipak 50 mL") throws -> SyringeSpec {
        try syringes().syringe(named: name)
    }
}
