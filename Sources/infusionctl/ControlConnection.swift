import CPosixShims
import ControlProtocol
import Foundation
import Glibc

/// infusionctl's side of the socket: connect, send one request line, read response lines.
struct ControlConnection {
    let descriptor: Int32
    private var buffered: [UInt8] = []

    /// Fails with exit status 5 (the daemon is unreachable), saying why.
    init(path: String) throws(ClientFailure) {
        let fd = cposix_connect_unix(path)
        guard fd >= 0 else {
            let reason = errno == ENAMETOOLONG ? "too long for a Unix socket path" : String(cString: strerror(errno))
            throw ClientFailure(5, "cannot reach infusiond at \(path): \(reason)")
        }
        descriptor = fd
    }

    /// A daemon that turns a connection away (over its cap) writes why and closes at once, so the
    /// request can meet a closed socket. That is not the answer: the reason is already waiting to
    /// be read, and the caller's next `readLine` reports it.
    func send(_ request: ControlRequest) throws(ClientFailure) {
        let bytes = [UInt8](request.encoded())
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0, errno == EINTR { continue }
            if written < 0, errno == EPIPE || errno == ECONNRESET { return }
            guard written > 0 else { throw ClientFailure(5, "infusiond closed the connection: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// The next response line (without its newline); nil when the daemon closed the connection.
    mutating func readLine() -> Data? {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                let line = Data(buffered[..<newline])
                buffered.removeSubrange(...newline)
                return line
            }
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            buffered.append(contentsOf: chunk[..<count])
        }
    }
}

/// Why infusionctl stops, with the exit status the issue fixes: 2 usage, 3 refused, 4 not
/// permitted, 5 daemon unreachable.
struct ClientFailure: Error {
    let status: Int32
    let message: String
    init(_ status: Int32, _ message: String) {
        self.status = status
        self.message = message
    }
}
