import Foundation
import FuzzTargets
import InfusionTestSupport
import Testing

/// The fuzzers' seeds and every input they have found a crash with (`Fuzz/regressions/`), fed
/// through the same functions the fuzzers call, in every test run: a fixed crash stays fixed.
@Suite("Fuzzer regressions")
struct FuzzRegressionTests {
    static func inputs(_ name: String) -> [URL] {
        ["corpus", "regressions"].flatMap { folder in
            let directory = RepositoryFiles.root.appendingPathComponent("Fuzz/\(folder)/\(name)")
            let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
            return files.filter { !$0.lastPathComponent.hasPrefix(".") }
        }
    }

    @Test("every kept input of the request fuzzer decodes without a problem", arguments: inputs("control-request"))
    func controlRequestInputs(file: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: file))
        #expect(bytes.withUnsafeBufferPointer(controlRequestInput) == [], "\(file.lastPathComponent)")
    }

    @Test("every kept input of the NE-1000 reply fuzzer runs through the session without a problem", arguments: inputs("ne1000-reply"))
    func ne1000ReplyInputs(file: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: file))
        #expect(bytes.withUnsafeBufferPointer(ne1000ReplyInput) == [], "\(file.lastPathComponent)")
    }

    @Test("every kept input of the oximeter line fuzzer is split, parsed and read without a problem", arguments: inputs("oximeter-line"))
    func oximeterLineInputs(file: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: file))
        #expect(bytes.withUnsafeBufferPointer(oximeterLineInput) == [], "\(file.lastPathComponent)")
    }

    static let library = try! RepositoryFiles.library()
    static let syringe = try! RepositoryFiles.syringe()

    @Test("every kept input of the library and program fuzzer parses, validates and runs without a problem", arguments: inputs("library-program"))
    func libraryProgramInputs(file: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: file))
        #expect(bytes.withUnsafeBufferPointer { libraryProgramInput($0, library: Self.library, syringe: Self.syringe) } == [], "\(file.lastPathComponent)")
    }

    @Test("each fuzzer has seeds, and the NE-1000 fuzzer's two crashes are kept")
    func inputsAreThere() {
        #expect(Self.inputs("control-request").count >= 8)
        #expect(Self.inputs("library-program").count >= 6)
        #expect(Self.inputs("oximeter-line").count >= 5)
        #expect(Self.inputs("ne1000-reply").filter { $0.path.contains("/regressions/") }.count >= 2)
    }
}
