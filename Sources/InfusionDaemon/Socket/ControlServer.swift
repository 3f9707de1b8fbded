import ControlProtocol
import Foundation
import Glibc
import InfusionCore
import PumpHardware
import Synchronization

/// The technician socket's thread: one poll loop over the listening socket and every client.
///
/// Nothing a client does reaches the loop except through the dispatcher's mailbox posts, and
/// nothing here waits on a client: sockets are non-blocking, lines are capped (64 KiB), requests
/// are rate-limited per client, idle clients are closed, and the number of clients is capped
/// (the one over the cap is told why and closed). Every request, decoded or not, is answered.
public final class ControlServer: @unchecked Sendable {
    let listener: ListeningSocket
    let dispatcher: RequestDispatcher
    let limits: DaemonConfiguration.ClientLimits
    let gauges: LoopGauges
    let log: @Sendable (String) -> Void
    private var clients: [Int32: ClientConnection] = [:]
    public let stopRequested = Atomic<Bool>(false)
    /// How often a watcher gets a status when nothing has changed (progress still moves).
    static let watchRefresh = ControlDuration.milliseconds(500)

    public init(
        listener: ListeningSocket, dispatcher: RequestDispatcher, limits: DaemonConfiguration.ClientLimits, gauges: LoopGauges,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.listener = listener
        self.dispatcher = dispatcher
        self.limits = limits
        self.gauges = gauges
        self.log = log
    }

    public func run() {
        while !stopRequested.load(ordering: .acquiring) {
            var descriptors = [pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0)]
            for client in clients.values {
                let events = Int16(POLLIN) | (client.output.isEmpty ? 0 : Int16(POLLOUT))
                descriptors.append(pollfd(fd: client.descriptor, events: events, revents: 0))
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), 50)
            let now = MonotonicClock.now()
            if ready > 0 {
                if descriptors[0].revents & Int16(POLLIN) != 0 { acceptClients(at: now) }
                for entry in descriptors.dropFirst() where entry.revents != 0 {
                    guard let client = clients[entry.fd] else { continue }
                    if entry.revents & Int16(POLLOUT) != 0 { client.flush() }
                    if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { read(client, at: now) }
                }
            }
            refreshWatchers(at: now)
            closeFinished(at: now)
        }
        for client in clients.values {
            dispatcher.recordRepeats(&client.repeats, from: client.peer)
            close(client.descriptor)
        }
        clients.removeAll()
        listener.closeAndUnlink()
    }

    private func acceptClients(at now: ControlInstant) {
        while let fd = listener.accept() {
            let peer: PeerCredentials
            do {
                peer = try PeerCredentials.of(socket: fd)
            } catch {
                log("socket: refused a connection: \(error)")
                close(fd)
                continue
            }
            let client = ClientConnection(descriptor: fd, peer: peer, requestsPerSecond: limits.requestsPerSecond, at: now)
            guard clients.count < limits.maximumConnections else {
                client.send(
                    dispatcher.refuse(
                        ControlError(.busy, "the daemon already has \(limits.maximumConnections) clients; try again later"), id: nil,
                        from: peer, repeats: &client.repeats, at: now))
                close(fd)
                continue
            }
            clients[fd] = client
        }
    }

    private func read(_ client: ClientConnection, at now: ControlInstant) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = recv(client.descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
                client.closing = true
                return
            }
            guard count > 0 else { return }
            client.lastActivity = now
            for item in client.framer.feed(buffer[0..<count]) {
                switch item {
                case .tooLong(let bytes):
                    client.send(
                        dispatcher.refuse(
                            ControlError(.tooLong, "request of at least \(bytes) bytes; the limit is \(ControlRequest.maximumLineBytes)"),
                            id: nil, from: client.peer, repeats: &client.repeats, at: now))
                case .line(let line):
                    answer(line, for: client, at: now)
                }
            }
        }
    }

    private func answer(_ line: [UInt8], for client: ClientConnection, at now: ControlInstant) {
        guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return }
        guard client.limiter.admit(at: now) else {
            client.send(
                dispatcher.refuse(
                    ControlError(.rateLimited, "more than \(limits.requestsPerSecond) requests a second; slow down"), id: nil,
                    from: client.peer, repeats: &client.repeats, at: now))
            return
        }
        switch ControlRequest.decode(line) {
        case .failure(let failure):
            client.send(dispatcher.refuse(failure.error, id: failure.id, from: client.peer, repeats: &client.repeats, at: now))
        case .success(let request):
            let answer = dispatcher.answer(request, from: client.peer, repeats: &client.repeats, at: now)
            client.send(answer.line)
            if answer.watching {
                client.watching = true
                client.lastWatchChange = gauges.changes.load(ordering: .acquiring)
                client.lastWatchSent = now
            }
        }
    }

    private func refreshWatchers(at now: ControlInstant) {
        let changes = gauges.changes.load(ordering: .acquiring)
        var line: Data?
        for client in clients.values where client.watching && !client.closing {
            guard changes != client.lastWatchChange || now - client.lastWatchSent >= Self.watchRefresh else { continue }
            let built = line ?? dispatcher.statusLine()
            line = built
            client.send(built)
            client.lastWatchChange = changes
            client.lastWatchSent = now
            // A watcher is not idle: it asked to be told.
            client.lastActivity = now
        }
    }

    private func closeFinished(at now: ControlInstant) {
        for (fd, client) in clients {
            let idle = now - client.lastActivity > limits.idleTimeout
            if idle, !client.closing {
                client.send(ControlResponse<Done>.failure(ControlError(.idleTimeout, "closed after \(limits.idleTimeout) idle"), id: nil).encoded())
                client.closing = true
            }
            if client.repeats.due(at: now) || client.closing { dispatcher.recordRepeats(&client.repeats, from: client.peer) }
            if client.closing {
                close(fd)
                clients[fd] = nil
            }
        }
    }
}
