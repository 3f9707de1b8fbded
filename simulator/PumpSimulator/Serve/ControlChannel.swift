import CPosixShims
import Foundation
import Glibc

/// A simulator's control socket: a Unix stream socket taking one command a line and answering
/// one line, for as many clients as connect. Serves `pumpsim serve` and `pumpsim oximeter`.
struct ControlChannel {
    let path: String
    private let listener: Int32
    private var clients: [Int32: [UInt8]] = [:]

    init(listeningAt path: String) throws(PseudoTerminal.Failure) {
        self.path = path
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard fd >= 0, path.utf8.count < capacity else {
            if fd >= 0 { Glibc.close(fd) }
            throw PseudoTerminal.Failure(description: "\(path): control socket path too long or no socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw PseudoTerminal.Failure(description: "\(path): cannot listen: \(reason)")
        }
        listener = fd
    }

    /// The listener and every client, for the server's `poll`.
    var pollDescriptors: [pollfd] {
        [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)] + clients.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    }

    /// Accepts a client when `fd` is the listener; otherwise reads what the client sent and
    /// answers each complete line with `perform`'s answer. A client that goes is forgotten; one
    /// that sends 4 kB without a newline loses what it sent.
    mutating func serve(_ fd: Int32, _ perform: (String) -> String) {
        if fd == listener {
            let client = cposix_accept_nonblocking(listener)
            if client >= 0 { clients[client] = [] }
            return
        }
        var chunk = [UInt8](repeating: 0, count: 1_024)
        let count = read(fd, &chunk, chunk.count)
        guard count > 0 else {
            Glibc.close(fd)
            clients[fd] = nil
            return
        }
        var pending = (clients[fd] ?? []) + chunk[0..<count]
        while let newline = pending.firstIndex(of: 0x0A) {
            let line = String(decoding: pending[..<newline], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            pending.removeSubrange(...newline)
            let answer = perform(line) + "\n"
            _ = answer.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        }
        clients[fd] = pending.count > 4_096 ? [] : pending
    }

    func close() {
        for client in clients.keys { Glibc.close(client) }
        Glibc.close(listener)
        unlink(path)
    }
}
