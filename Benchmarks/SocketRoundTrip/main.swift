import CPosixShims
import Foundation
import Glibc

/// `socket-roundtrip SOCKET [CLIENTS] [REQUESTS] [INTERVAL_MS]`: the time from writing a `status`
/// request on infusiond's socket to having the whole reply line, for CLIENTS connections at once,
/// each sending REQUESTS requests INTERVAL_MS apart (55 ms by default, under the daemon's 20 per
/// second per connection). Prints the median, p99 and max over every request, in µs. It reports;
/// it asserts nothing about speed (`scripts/bench-daemon` runs it).
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: socket-roundtrip SOCKET [CLIENTS] [REQUESTS] [INTERVAL_MS]\n".utf8))
    exit(2)
}
let path = arguments[1]
let clients = arguments.count > 2 ? Int(arguments[2]) ?? 0 : 1
let requests = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 200
let intervalMs = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 55
guard clients > 0, requests > 0, intervalMs > 0 else {
    FileHandle.standardError.write(Data("socket-roundtrip: CLIENTS, REQUESTS and INTERVAL_MS must be positive integers\n".utf8))
    exit(2)
}

@Sendable func nanoseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}

/// One client's samples (µs) and failures, filled by its own thread.
final class ClientRun: @unchecked Sendable {
    var samples: [Double] = []
    var failure: String?
}

let request = Array("{\"v\":1,\"command\":\"status\"}\n".utf8)
let runs = (0..<clients).map { _ in ClientRun() }
let group = DispatchGroup()
for (index, run) in runs.enumerated() {
    group.enter()
    let thread = Thread {
        defer { group.leave() }
        let fd = cposix_connect_unix(path)
        guard fd >= 0 else {
            run.failure = "cannot connect to \(path): \(String(cString: strerror(errno)))"
            return
        }
        defer { close(fd) }
        // Spread the clients over the interval so they do not all ask in the same millisecond.
        usleep(UInt32(intervalMs * 1_000 * index / clients))
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var next = nanoseconds()
        for _ in 0..<requests {
            let start = nanoseconds()
            guard request.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == request.count else {
                run.failure = "write failed: \(String(cString: strerror(errno)))"
                return
            }
            var complete = false
            while !complete {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard count > 0 else {
                    run.failure = "the daemon closed the connection"
                    return
                }
                complete = buffer[count - 1] == 0x0A
            }
            run.samples.append(Double(nanoseconds() - start) / 1_000)
            next += Int64(intervalMs) * 1_000_000
            let wait = next - nanoseconds()
            if wait > 0 { usleep(UInt32(wait / 1_000)) }
        }
    }
    thread.start()
}
group.wait()

if let failure = runs.compactMap(\.failure).first {
    FileHandle.standardError.write(Data("socket-roundtrip: \(failure)\n".utf8))
    exit(1)
}
let all = runs.flatMap(\.samples).sorted()
func percentile(_ p: Double) -> Double { all[min(all.count - 1, Int((Double(all.count - 1) * p).rounded()))] }
print(
    String(
        format: "status round trip, %d client%@, %d requests: median %.0f µs, p99 %.0f µs, max %.0f µs",
        clients, clients == 1 ? "" : "s", all.count, percentile(0.5), percentile(0.99), all.last ?? 0))
