import CPosixShims
import Foundation
import Glibc
import Synchronization

/// `socket-flood SOCKET [FLOODERS] [TRIALS] [LINE]`: how long `pause` and `resume` take to be
/// answered on infusiond's socket while FLOODERS other connections write LINE (`x` by default) as
/// fast as the socket takes it (issue 15, PROTO-008: pause and stop obeyed within 1 s under any
/// flood). The daemon must be infusing. Each trial opens a fresh connection, as `infusionctl`
/// does. Prints the median and max for each command, in ms, and the bytes the flood wrote. It
/// reports; it asserts nothing about speed (`scripts/bench-daemon` runs it).
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: socket-flood SOCKET [FLOODERS] [TRIALS] [LINE]\n".utf8))
    exit(2)
}
let path = arguments[1]
let flooders = arguments.count > 2 ? Int(arguments[2]) ?? 0 : 8
let trials = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 20
let line = (arguments.count > 4 ? arguments[4] : "x") + "\n"
guard flooders >= 0, trials > 0 else {
    FileHandle.standardError.write(Data("socket-flood: FLOODERS must be 0 or more, TRIALS positive\n".utf8))
    exit(2)
}

func nanoseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("socket-flood: \(message)\n".utf8))
    exit(1)
}

// The flood: each connection written as fast as it is taken, its replies read and dropped so the
// daemon never closes it for not reading.
let written = Atomic<Int>(0)
let stopping = Atomic<Bool>(false)
let chunk = [UInt8](String(repeating: line, count: max(1, 65_536 / line.utf8.count)).utf8)
var floodSockets: [Int32] = []
for _ in 0..<flooders {
    let fd = cposix_connect_unix(path)
    guard fd >= 0 else { fail("cannot connect to \(path): \(String(cString: strerror(errno)))") }
    floodSockets.append(fd)
    Thread {
        var sink = [UInt8](repeating: 0, count: 65_536)
        while recv(fd, &sink, sink.count, 0) > 0 {}
    }.start()
    Thread {
        while !stopping.load(ordering: .relaxed) {
            let sent = chunk.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            written.add(sent, ordering: .relaxed)
        }
    }.start()
}
// Let the flood fill the daemon's socket buffers before the first trial.
let floodStart = nanoseconds()
while flooders > 0, written.load(ordering: .relaxed) < 1_000_000, nanoseconds() - floodStart < 5_000_000_000 { usleep(1_000) }

/// One command on a fresh connection: the time to its whole answer, in ms.
func timed(_ command: String) -> Double {
    let fd = cposix_connect_unix(path)
    guard fd >= 0 else { fail("cannot connect to \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let request = Array("{\"v\":1,\"id\":\"1\",\"command\":\"\(command)\"}\n".utf8)
    let start = nanoseconds()
    guard request.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == request.count else { fail("write failed") }
    var reply: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4_096)
    while reply.last != 0x0A {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { fail("\(command): the daemon closed the connection") }
        reply += buffer[0..<count]
    }
    let elapsed = Double(nanoseconds() - start) / 1_000_000
    let text = String(decoding: reply, as: UTF8.self)
    guard text.contains("\"ok\":true") else { fail("\(command) was refused: \(text)") }
    return elapsed
}

var pauses: [Double] = []
var resumes: [Double] = []
for _ in 0..<trials {
    pauses.append(timed("pause"))
    resumes.append(timed("resume"))
    // A uid may send 10 changing commands a second (PROTO-010): the trials keep under it.
    usleep(250_000)
}
stopping.store(true, ordering: .relaxed)
for fd in floodSockets { shutdown(fd, Int32(SHUT_RDWR)) }

func summary(_ samples: [Double]) -> String {
    let sorted = samples.sorted()
    return String(format: "median %.1f ms, max %.1f ms", sorted[sorted.count / 2], sorted.last ?? 0)
}
print(
    "pause and resume under \(flooders) flooding client\(flooders == 1 ? "" : "s") (\(line.debugDescription), \(written.load(ordering: .relaxed) / 1_000_000) MB written), \(trials) trials: pause \(summary(pauses)); resume \(summary(resumes))"
)
