import CPosixShims
import ControlProtocol
import Glibc

/// Who is on the other end of the socket, as the kernel says (SO_PEERCRED), not as the client
/// claims, and the role their groups give them (DESIGN.md rule 8).
public struct PeerCredentials: Hashable, Sendable {
    public let uid: UInt32
    public let gid: UInt32
    public let pid: Int32
    /// The names of every group the uid is in, from the system's user database at connect time.
    public let groups: Set<String>

    public var role: Role? { Role.of(uid: uid, groups: groups) }

    /// Reads the peer of a connected Unix socket. Throws the errno when the kernel will not say.
    public static func of(socket: Int32) throws(PeerCredentialsError) -> PeerCredentials {
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var pid: Int32 = 0
        let code = cposix_peer_credentials(socket, &uid, &gid, &pid)
        guard code == 0 else { throw PeerCredentialsError(errno: code) }
        return PeerCredentials(uid: uid, gid: gid, pid: pid, groups: groupNames(uid: uid, gid: gid))
    }

    /// The uid's groups by name: its primary group and every supplementary one. A uid with no
    /// entry in the user database has only its primary group, looked up by id.
    static func groupNames(uid: UInt32, gid: UInt32) -> Set<String> {
        var names: Set<String> = []
        var ids: [UInt32] = [gid]
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        if getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let user = entry.pw_name {
            var count: Int32 = 64
            var list = [UInt32](repeating: 0, count: Int(count))
            if cposix_group_list(user, gid, &list, &count) != 0 {
                list = [UInt32](repeating: 0, count: Int(count))
                _ = cposix_group_list(user, gid, &list, &count)
            }
            ids += list.prefix(Int(max(count, 0)))
        }
        for id in Set(ids) {
            var group = group()
            var found: UnsafeMutablePointer<group>?
            var groupBuffer = [CChar](repeating: 0, count: 16_384)
            if getgrgid_r(id, &group, &groupBuffer, groupBuffer.count, &found) == 0, found != nil, let name = group.gr_name {
                names.insert(String(cString: name))
            }
        }
        return names
    }
}

public struct PeerCredentialsError: Error, Hashable, Sendable, CustomStringConvertible {
    public let errno: Int32
    public var description: String { "cannot read the peer's credentials: \(String(cString: strerror(errno)))" }
}
