import ControlProtocol
import Glibc
import InfusionDaemon
import Testing

/// SO_PEERCRED through the shim: the kernel's word on who connected, and their groups.
@Suite("Peer credentials")
struct PeerCredentialsTests {
    @Test("a connected Unix socket gives the peer's uid, gid and pid, and its groups by name")
    func peerIsWhoTheKernelSays() throws {
        var pair: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        let peer = try PeerCredentials.of(socket: pair[0])
        #expect(peer.uid == getuid())
        #expect(peer.gid == getgid())
        #expect(peer.pid == getpid())
        var entry = group()
        var found: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 4_096)
        try #require(getgrgid_r(getgid(), &entry, &buffer, buffer.count, &found) == 0 && found != nil)
        #expect(peer.groups.contains(String(cString: entry.gr_name)), "the primary group is among \(peer.groups)")
        if getuid() == 0 { #expect(peer.role == .admin) }
    }

    @Test("a descriptor that is not a socket is an error, not a guess")
    func notASocketIsRefused() throws {
        let fd = open("/dev/null", O_RDONLY)
        defer { close(fd) }
        let error = #expect(throws: PeerCredentialsError.self) { try PeerCredentials.of(socket: fd) }
        #expect(error?.errno == ENOTSOCK)
    }
}
