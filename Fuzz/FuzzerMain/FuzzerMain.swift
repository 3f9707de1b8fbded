import CFuzzerDriver
import Glibc

/// The input function the running fuzzer feeds; set once, before libFuzzer's driver starts.
nonisolated(unsafe) private var fuzzedInput: (UnsafeBufferPointer<UInt8>) -> [String] = { _ in [] }

/// libFuzzer's entry: an input with a problem short of a trap is made a crash, so it is kept.
/// Exported under libFuzzer's own name too: the sanitizer's runtime links libFuzzer's `main`,
/// which needs it, though SwiftPM's `main` (through ``runFuzzer(_:)``) is the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let problems = fuzzedInput(UnsafeBufferPointer(start: data, count: size))
    if !problems.isEmpty { fatalError(problems.joined(separator: "; ")) }
    return 0
}

/// Hands `input` to libFuzzer's driver, which reads its flags from the command line.
public func runFuzzer(_ input: @escaping (UnsafeBufferPointer<UInt8>) -> [String]) -> Never {
    fuzzedInput = input
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
}
