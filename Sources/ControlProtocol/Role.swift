/// What a technician may do, from the groups of the uid on the other end of the socket
/// (DESIGN.md rule 8). Ordered: each role may do everything the one below it may.
public enum Role: String, Codable, Comparable, CaseIterable, Hashable, Sendable {
    /// Any member of `infusion`: status, watch, history, alarms, the library listing.
    case observer
    /// `infusion-operator`: everything that changes the infusion.
    case `operator`
    /// `infusion-admin`, or root: the drug library and the configuration too.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .observer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    /// The Unix groups that grant each role.
    public static let observerGroup = "infusion"
    public static let operatorGroup = "infusion-operator"
    public static let adminGroup = "infusion-admin"

    /// The role of a peer with `uid` in `groups`, or nil: not permitted at all.
    public static func of(uid: UInt32, groups: Set<String>) -> Role? {
        if uid == 0 || groups.contains(adminGroup) { return .admin }
        if groups.contains(operatorGroup) { return .operator }
        if groups.contains(observerGroup) { return .observer }
        return nil
    }
}
