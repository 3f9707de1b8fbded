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
///
/// No client can lock the others out (issue 15): each round serves every client a bounded share —
/// one read of at most ``readBytesPerRound`` and at most ``linesPerRound`` requests — so a client
/// that writes as fast as the socket takes it waits its turn like everyone else (one once kept the
/// thread in its read loop, and `pause` went unanswered for 15 s). A slot is kept for an operator
/// or an admin, and a line of nothing is not activity.
public final class ControlServer: @unchecked Sendable {
    let listener: ListeningSocket
    let dispatcher: RequestDispatcher
    let limits: DaemonConfiguration.ClientLimits
    let gauges: LoopGauges
    let log: @Sendable (String) -> Void
    private var clients: [Int32: ClientConnection] = [:]
    /// Connections closed to let an operator in, logged as a count at most every 10 s: one line
    /// each once filled the daemon's stderr pipe under a connect flood and blocked this thread
    /// on the write (found by the hostile-socket test).
    private var evictions = EvictionTally()
    public let stopRequested = Atomic<Bool>(false)
    /// How often a watcher gets a status when nothing has changed (progress still moves).
    static let watchRefresh = ControlDuration.milliseconds(500)
    /// A client's share of one round: one read of this much, at most this many requests.
    static let readBytesPerRound = 16_384
    static let linesPerRound = 8

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
            var backlog = false
            for client in clients.values {
                // A client with requests still queued is served without waiting for more bytes.
                backlog = backlog || client.hasQueuedLines
                let wantsInput = !client.hasQueuedLines && !client.closing && !client.inputEnded
                let events = (wantsInput ? Int16(POLLIN) : 0) | (client.output.isEmpty ? 0 : Int16(POLLOUT))
                descriptors.append(pollfd(fd: client.descriptor, events: events, revents: 0))
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), backlog ? 0 : 50)
            let now = MonotonicClock.now()
            if ready > 0, descriptors[0].revents & Int16(POLLIN) != 0 { acceptClients(at: now) }
            for entry in descriptors.dropFirst() {
                guard let client = clients[entry.fd] else { continue }
                if entry.revents & Int16(POLLOUT) != 0 { client.flush() }
                if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { read(client) }
                if client.hasQueuedLines { serve(client, at: now) }
            }
            refreshWatchers(at: now)
            closeFinished(at: now)
            dispatcher.recordRepeats(at: now)
            if let line = evictions.take(at: now) { log(line) }
        }
        for client in clients.values { close(client.descriptor) }
        clients.removeAll()
        dispatcher.recordRepeats(at: MonotonicClock.now(), force: true)
        listener.closeAndUnlink()
    }

    private func acceptClients(at now: ControlInstant) {
        while let fd = listener.accept() {
            let peer: PeerCredentials
            do {
                peer = try PeerCredentials.of(socket: fd)
            } catch {
                log(SystemLog.marked(.warning, "socket: refused a connection: \(error)"))
                close(fd)
                continue
            }
            let client = ClientConnection(descriptor: fd, peer: peer, requestsPerSecond: limits.requestsPerSecond, at: now)
            let mayChange = (dispatcher.role(of: peer) ?? .observer) >= .operator
            // Viewers take the unreserved slots; an operator or admin may take any, and when none
            // is free closes the watcher that asked least recently to make one.
            let open = mayChange ? limits.maximumConnections : limits.maximumConnections - limits.reservedConnections
            if clients.count >= open, mayChange, let evicted = leastRecentWatcher() ?? leastRecentlyAnswered() {
                evicted.send(
                    ControlResponse<Done>.failure(
                        ControlError(.busy, "closed to make room for an operator: every connection was taken"), id: nil
                    ).encoded())
                close(evicted.descriptor)
                clients[evicted.descriptor] = nil
                evictions.record(uid: peer.uid)
            }
            guard clients.count < open else {
                client.send(
                    dispatcher.refuse(
                        ControlError(
                            .busy,
                            "the daemon already has \(clients.count) clients (\(limits.reservedConnections) of \(limits.maximumConnections) kept for operators); try again later"
                        ), id: nil, from: peer, at: now))
                close(fd)
                continue
            }
            clients[fd] = client
        }
    }

    /// The watching client that made its last request longest ago.
    private func leastRecentWatcher() -> ClientConnection? {
        clients.values.filter { $0.watching && !$0.closing }.min { $0.lastRequest < $1.lastRequest }
    }

    /// With no watcher to close: the client whose last answered request is oldest (one that only
    /// floods garbage, trickles bytes or sits idle was never answered).
    private func leastRecentlyAnswered() -> ClientConnection? {
        clients.values.filter { !$0.closing }.min { $0.lastAnswered < $1.lastAnswered }
    }

    /// One read of at most a round's share; the lines go to the client's queue.
    private func read(_ client: ClientConnection) {
        var buffer = [UInt8](repeating: 0, count: Self.readBytesPerRound)
        let count = recv(client.descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        if count == 0 {
            client.inputEnded = true
            return
        }
        if count < 0, errno != EAGAIN, errno != EINTR {
            client.closing = true
            return
        }
        guard count > 0 else { return }
        client.queue(client.framer.feed(buffer[0..<count]))
    }

    /// Answers at most a round's share of the client's queued requests.
    private func serve(_ client: ClientConnection, at now: ControlInstant) {
        var served = 0
        while served < Self.linesPerRound, !client.closing, let item = client.nextLine() {
            served += 1
            switch item {
            case .tooLong(let bytes):
                client.lastActivity = now
                client.send(
                    dispatcher.refuse(
                        ControlError(.tooLong, "request of at least \(bytes) bytes; the limit is \(ControlRequest.maximumLineBytes)"),
                        id: nil, from: client.peer, at: now))
            case .line(let line):
                answer(line, for: client, at: now)
            }
        }
    }

    private func answer(_ line: [UInt8], for client: ClientConnection, at now: ControlInstant) {
        // A line of nothing is skipped, and is not activity: it cannot hold a slot open.
        guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return }
        client.lastActivity = now
        client.lastRequest = now
        guard client.limiter.admit(at: now) else {
            client.send(
                dispatcher.refuse(
                    ControlError(.rateLimited, "more than \(limits.requestsPerSecond) requests a second; slow down"), id: nil,
                    from: client.peer, at: now))
            return
        }
        switch ControlRequest.decode(line) {
        case .failure(let failure):
            client.send(dispatcher.refuse(failure.error, id: failure.id, from: client.peer, at: now))
        case .success(let request):
            let answer = dispatcher.answer(request, from: client.peer, at: now)
            client.lastAnswered = now
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
            // Shut by the client: closed once its requests are answered.
            if client.inputEnded, !client.hasQueuedLines { client.closing = true }
            let idle = now - client.lastActivity > limits.idleTimeout
            if idle, !client.closing {
                client.send(ControlResponse<Done>.failure(ControlError(.idleTimeout, "closed after \(limits.idleTimeout) idle"), id: nil).encoded())
                client.closing = true
            }
            if client.closing {
                close(fd)
                clients[fd] = nil
                // A uid's counts are written when its last connection goes (or each minute).
                if !clients.values.contains(where: { $0.peer.uid == client.peer.uid }) {
                    dispatcher.recordRepeats(at: now, leaving: [client.peer.uid])
                }
            }
        }
    }
}
