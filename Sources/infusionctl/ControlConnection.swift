import ControlProtocol
import Foundation
import Glibc

/// infusionctl's side of the socket: connect, send one request line, read response lines.
struct ControlConnection {
    let descriptor: Int32
    private var buffered: [UInt8] = []

    /// Fails with exit status 5 (the daemon is unreachable), saying why.
    init(path: String) throws(ClientFailure) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { throw ClientFailure(5, "\(path): too long for a Unix socket path") }
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in path.utf8.enumerated() { bytes[index] = byte }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ClientFailure(5, "cannot create a socket: \(String(cString: strerror(errno)))") }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ClientFailure(5, "cannot reach infusiond at \(path): \(reason)")
        }
        descriptor = fd
    }

    func send(_ request: ControlRequest) throws(ClientFailure) {
        let bytes = [UInt8](request.encoded())
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
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
