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
    /// When it last sent a request (not a blank line, not a watch refresh): which watcher gives
    /// way to an operator.
    var lastRequest: ControlInstant
    /// When a request of its own was last decoded and answered (a refusal of a malformed line,
    /// a blank line or a partial one is not): when every slot is taken and no watcher is left to
    /// close, the connection answered longest ago gives way to an operator (red team, issue 15
    /// F4: sixteen operator connections flooding, idle or trickling bytes had `pause` told busy).
    var lastAnswered: ControlInstant
    var watching = false
    var lastWatchChange: Int64 = -1
    var lastWatchSent: ControlInstant = .origin
    var closing = false
    /// The client shut its side: its queued requests are still answered, then it is closed.
    var inputEnded = false
    /// Requests read but not yet served: a round serves a bounded share (``ControlServer``).
    private var queued: [LineFramer.Item] = []
    private var next = 0

    /// A client that will not read its replies is cut off rather than buffered for without end.
    static let maximumPendingOutput = 1 << 20

    init(descriptor: Int32, peer: PeerCredentials, requestsPerSecond: Int, at now: ControlInstant) {
        self.descriptor = descriptor
        self.peer = peer
        limiter = RequestRateLimiter(perSecond: requestsPerSecond, at: now)
        lastActivity = now
        lastRequest = now
        lastAnswered = now
    }

    var hasQueuedLines: Bool { next < queued.count }

    func queue(_ items: [LineFramer.Item]) {
        if next == queued.count {
            queued = items
            next = 0
        } else {
            queued += items
        }
    }

    func nextLine() -> LineFramer.Item? {
        guard next < queued.count else { return nil }
        defer { next += 1 }
        return queued[next]
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
