/// Tells a live oximeter from one repeating a stale line (issue 17; red team: a line whose clock
/// never moved was taken as fresh). The device stamps each line to the second and sends one a
/// second, so its clock moves with every line; two lines may share a second when the sending
/// jitters across it, three cannot. From the third line with the same stamp on, the lines are
/// void until the clock moves again.
public struct DeviceClockWatch: Sendable {
    /// Lines with one stamp before it counts as frozen.
    public static let repeatsAllowed = 2
    private var lastSecond: Int64?
    private var sameStamp = 0

    public init() {}

    /// Takes the next line's stamp; answers whether the device's clock is frozen at it.
    public mutating func frozen(at deviceSecond: Int64) -> Bool {
        sameStamp = deviceSecond == lastSecond ? sameStamp + 1 : 1
        lastSecond = deviceSecond
        return sameStamp > Self.repeatsAllowed
    }
}
