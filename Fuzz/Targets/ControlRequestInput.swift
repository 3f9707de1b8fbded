import ControlProtocol

/// One fuzz input as a client's byte stream: split into lines as the socket's framer does, each
/// line through the request decoder. Answers what went wrong short of a trap: a decoded request
/// that does not survive its own encoding, the round trip infusionctl depends on. A trap in the
/// decoder is the fuzzer's to catch. Shared by `control-request-fuzz` and the regression test.
public func controlRequestInput(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    var problems: [String] = []
    var start = bytes.startIndex
    var lines: [ArraySlice<UInt8>] = []
    for index in bytes.indices where bytes[index] == 0x0A {
        lines.append(ArraySlice(bytes[start..<index]))
        start = index + 1
    }
    lines.append(ArraySlice(bytes[start...]))
    for line in lines {
        guard case .success(let request) = ControlRequest.decode(line) else { continue }
        guard case .success(let again) = ControlRequest.decode(request.encoded().dropLast()), again == request else {
            problems.append("\(request) does not survive its own encoding")
            continue
        }
    }
    return problems
}
