import CPosixShims
import ControlProtocol
import Glibc

/// Who is on the other end of the socket, as the kernel says (SO_PEERCRED), not as the client
/// claims, and the role their groups give them (DESIGN.md rule 8).
public struct PeerCredentials: Hashable, Sendable {
    public let uid: UInt32
    public let gid: UInt32
    public let pid: Int32
    /// The names of every group the peer's process is in: its credentials as the kernel holds
    /// them (SO_PEERGROUPS), or, on a kernel without it, the uid's groups in the user database.
    public let groups: Set<String>

    public var role: Role? { Role.of(uid: uid, groups: groups) }

    /// Reads the peer of a connected Unix socket. Throws the errno when the kernel will not say,
    /// or EAFNOSUPPORT when the socket is not AF_UNIX (no peer credentials to trust).
    ///
    /// Roles follow the peer's actual credentials (issue 15): a process that dropped a group, or
    /// a user removed from one since they logged in, is judged by what the kernel says it holds.
    public static func of(socket: Int32) throws(PeerCredentialsError) -> PeerCredentials {
        let family = cposix_is_unix_socket(socket)
        guard family == 1 else { throw PeerCredentialsError(errno: family < 0 ? -family : EAFNOSUPPORT) }
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var pid: Int32 = 0
        let code = cposix_peer_credentials(socket, &uid, &gid, &pid)
        guard code == 0 else { throw PeerCredentialsError(errno: code) }
        let groups = peerGroups(socket: socket).map { names(ofGroups: Set($0 + [gid])) } ?? groupNames(uid: uid, gid: gid)
        return PeerCredentials(uid: uid, gid: gid, pid: pid, groups: groups)
    }

    /// The peer's supplementary group ids from the kernel, or nil where SO_PEERGROUPS is missing.
    static func peerGroups(socket: Int32) -> [UInt32]? {
        var count: Int32 = 64
        var list = [UInt32](repeating: 0, count: Int(count))
        var code = cposix_peer_groups(socket, &list, &count)
        if code == ERANGE {
            list = [UInt32](repeating: 0, count: Int(count))
            code = cposix_peer_groups(socket, &list, &count)
        }
        guard code == 0 else { return nil }
        return Array(list.prefix(Int(max(count, 0))))
    }

    static func names(ofGroups ids: Set<UInt32>) -> Set<String> {
        var names: Set<String> = []
        for id in ids {
            var group = group()
            var found: UnsafeMutablePointer<group>?
            var buffer = [CChar](repeating: 0, count: 16_384)
            if getgrgid_r(id, &group, &buffer, buffer.count, &found) == 0, found != nil, let name = group.gr_name {
                names.insert(String(cString: name))
            }
        }
        return names
    }

    /// The uid's groups by name: its primary group and every supplementary one. A uid with no
    /// entry in the user database has only its primary group, looked up by id.
    static func groupNames(uid: UInt32, gid: UInt32) -> Set<String> {
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
        return Self.names(ofGroups: Set(ids))
    }
}

public struct PeerCredentialsError: Error, Hashable, Sendable, CustomStringConvertible {
    public let errno: Int32
    public var description: String { "cannot read the peer's credentials: \(String(cString: strerror(errno)))" }
}
