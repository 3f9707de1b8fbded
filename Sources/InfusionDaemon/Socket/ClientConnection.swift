import ControlProtocol
import Foundation
import Glibc
import InfusionCore
import PumpHardware

/// One technician connection: its credentials (read once, at accept), its line framer and rate
/// limiter, what is waiting to be written, and whether it watches.
final class ClientConnection {
    let descriptor: Int32
    let peer: PeerCredentials
    var framer = LineFramer(maximumLineBytes: ControlRequest.maximumLineBytes)
    var limiter: RequestRateLimiter
    var output: [UInt8] = []
    var lastActivity: ControlInstant
    var watching = false
    var lastWatchChange: Int64 = -1
    var lastWatchSent: ControlInstant = .origin
    var closing = false
    /// Repeated status polls and rate-limit refusals, written as counts (``RepeatTally``).
    var repeats = RepeatTally()

    /// A client that will not read its replies is cut off rather than buffered for without end.
    static let maximumPendingOutput = 1 << 20

    init(descriptor: Int32, peer: PeerCredentials, requestsPerSecond: Int, at now: ControlInstant) {
        self.descriptor = descriptor
        self.peer = peer
        limiter = RequestRateLimiter(perSecond: requestsPerSecond, at: now)
        lastActivity = now
    }

    /// Queues `line` and writes what the socket takes now, without blocking.
    func send(_ line: Data) {
        output.append(contentsOf: line)
        if output.count > Self.maximumPendingOutput { closing = true }
        flush()
    }

    func flush() {
        while !output.isEmpty {
            let written = output.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if written > 0 {
                output.removeFirst(written)
            } else {
                if written < 0, errno != EAGAIN, errno != EINTR { closing = true }
                return
            }
        }
    }
}
