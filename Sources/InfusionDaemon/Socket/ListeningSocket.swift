import CPosixShims
import Foundation
import Glibc

/// The technician socket's listening end: a Unix stream socket at `path`, mode 0660, owned by
/// `group` so that only its members (and the daemon's user) can connect at all. Put it in a
/// directory only the daemon's user can write (systemd's RuntimeDirectory), so no one else can
/// swap what is at the path.
public struct ListeningSocket: Sendable {
    public let descriptor: Int32
    public let path: String

    public init(path: String, group: String, backlog: Int32 = 16) throws(StartupError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw StartupError("socket.path: \(path) is \(path.utf8.count) bytes; a Unix socket path must be under \(capacity)")
        }
        // A socket left by a daemon that died is removed; anything else at the path is not ours.
        var existing = stat()
        if lstat(path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFSOCK else {
                throw StartupError("socket.path: \(path) exists and is not a socket; not removing it")
            }
            // One that answers belongs to a daemon still running: taking it over would leave that
            // daemon, perhaps infusing, with no way to be paused (red team, issue 15 F3).
            let probe = cposix_connect_unix(path)
            if probe >= 0 {
                close(probe)
                throw StartupError("socket.path: another daemon is listening on \(path); not taking it over", exitCode: .notReady)
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw StartupError("socket.path: cannot create a socket: \(String(cString: strerror(errno)))") }
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in path.utf8.enumerated() { bytes[index] = byte }
        }
        // Created 0660 by the umask in the same call that creates it, and given its group with
        // lchown, which never follows a link: neither step can be turned, by swapping the path
        // for a link in between, on a file that is not this socket (issue 15).
        let previousMask = umask(0o117)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(previousMask)
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw StartupError("socket.path: cannot bind \(path): \(reason)")
        }
        if let entry = getgrnam(group) {
            if lchown(path, getuid(), entry.pointee.gr_gid) != 0 {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw StartupError("socket.group: cannot give \(path) to group \(group): \(reason)")
            }
        } else if getuid() == 0 {
            // Run as root (not the service's own user) without the group: only root could connect,
            // which is safe but surprising; say so rather than fail.
            FileHandle.standardError.write(Data("infusiond: socket.group \(group) does not exist; only root and the daemon's own user can use \(path)\n".utf8))
        }
        var bound_ = stat()
        guard lstat(path, &bound_) == 0, bound_.st_mode & S_IFMT == S_IFSOCK, bound_.st_uid == getuid(), bound_.st_mode & 0o777 == 0o660 else {
            close(fd)
            throw StartupError("socket.path: \(path) is not the socket just made (mode 0660, owned by this user): something else is at the path")
        }
        guard listen(fd, backlog) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw StartupError("socket.path: cannot listen on \(path): \(reason)")
        }
        descriptor = fd
        self.path = path
    }

    public func accept() -> Int32? {
        let fd = cposix_accept_nonblocking(descriptor)
        return fd >= 0 ? fd : nil
    }

    public func closeAndUnlink() {
        _ = Glibc.close(descriptor)
        unlink(path)
    }
}
