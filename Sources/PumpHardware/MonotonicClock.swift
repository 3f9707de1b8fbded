#if canImport(Glibc)
import Glibc
#endif
import InfusionCore

/// CLOCK_MONOTONIC as a ``ControlInstant``: the time base of everything that runs in real time
/// (the serial driver, `pumpsim serve`). Never the wall clock, which can jump.
public enum MonotonicClock {
    public static func now() -> ControlInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return ControlInstant(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }
}
