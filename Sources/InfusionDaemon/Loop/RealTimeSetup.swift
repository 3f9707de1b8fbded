import CPosixShims
import Glibc

/// What the loop thread asks of the kernel, and what it got (DESIGN.md section 3): SCHED_FIFO,
/// memory locked so no page fault lands in a tick, and `/dev/cpu_dma_latency` held at 0 so the
/// CPU does not sleep deeply between ticks (without it, p99 wake-up latency here was ~100 µs
/// against cyclictest's 35 µs). Each is asked for and, if refused, the loop runs without it; the
/// daemon logs the report at start.
public struct RealTimeSetup: Hashable, Sendable, CustomStringConvertible {
    public var fifoPriority: Int32?
    /// The CPU the loop has to itself (the daemon's other threads keep off it), if pinned.
    public var cpu: Int32?
    public var memoryLocked: Bool
    /// Locked as touched (MCL_ONFAULT), not all at once: untouched mappings stay out of memory.
    /// Measured under systemd in the boot stage: all at once made 124 MB resident.
    public var lockedOnFault = false
    /// How much of the loop thread's stack is touched, and so locked, before the first tick.
    static let prefaultedStackBytes = 512 * 1_024
    /// The open descriptor holding the latency request; the request lasts while it is open.
    public var latencyDescriptor: Int32?
    public var refusals: [String]

    /// Applies to the calling thread (SCHED_FIFO) and the process (mlockall).
    public static func apply(priority: Int32 = 80, lockMemory: Bool = true, holdLatency: Bool = true, cpu: Int32? = nil) -> RealTimeSetup {
        var setup = RealTimeSetup(fifoPriority: nil, cpu: nil, memoryLocked: false, latencyDescriptor: nil, refusals: [])
        if let cpu {
            let pinned = cposix_pin_thread(cpu, 1)
            if pinned == 0 {
                setup.cpu = cpu
            } else {
                setup.refusals.append("CPU \(cpu): \(String(cString: strerror(pinned)))")
            }
        }
        var parameters = sched_param()
        parameters.sched_priority = priority
        let scheduled = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
        if scheduled == 0 {
            setup.fifoPriority = priority
        } else {
            setup.refusals.append("SCHED_FIFO \(priority): \(String(cString: strerror(scheduled)))")
        }
        if lockMemory {
            switch cposix_lock_memory_on_fault() {
            case 1:
                setup.memoryLocked = true
                setup.lockedOnFault = true
                // The loop's stack is in and locked before the first tick: its deepest call
                // chains take no page fault later. Half of the thread's 1 MiB.
                cposix_prefault_stack(Self.prefaultedStackBytes)
            case 2:
                setup.memoryLocked = true
            default:
                setup.refusals.append("mlockall: \(String(cString: strerror(errno)))")
            }
        }
        if holdLatency {
            let fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC)
            var zero: Int32 = 0
            if fd >= 0, write(fd, &zero, MemoryLayout<Int32>.size) == MemoryLayout<Int32>.size {
                setup.latencyDescriptor = fd
            } else {
                setup.refusals.append("/dev/cpu_dma_latency: \(String(cString: strerror(errno)))")
                if fd >= 0 { close(fd) }
            }
        }
        return setup
    }

    /// The line the daemon logs.
    /// The CPU the loop should have to itself: the highest this process may use, when it may use
    /// two or more. Measured here (2 vCPUs): with the journal's fsyncs free to land on the loop's
    /// CPU, p99 wake-up lateness was 382 µs; with the loop on CPU 1 and the rest on CPU 0, 87 µs
    /// (cyclictest on the same machine: 97 µs).
    public static var loopCPU: Int32? {
        var highest: Int32 = -1
        var count: Int32 = 0
        guard cposix_allowed_cpus(&highest, &count) == 0, count >= 2, highest >= 0 else { return nil }
        return highest
    }

    /// Keeps the calling thread (one of the daemon's others) off the loop's CPU.
    public static func keepOff(_ cpu: Int32) { _ = cposix_pin_thread(cpu, 0) }

    public var description: String {
        let granted = [
            fifoPriority.map { "SCHED_FIFO \($0)" }, cpu.map { "CPU \($0) to itself" }, memoryLocked ? (lockedOnFault ? "mlockall (on fault, loop stack pre-faulted)" : "mlockall") : nil, latencyDescriptor != nil ? "cpu_dma_latency 0" : nil,
        ].compactMap { $0 }
        let got = granted.isEmpty ? "none of SCHED_FIFO, mlockall, cpu_dma_latency" : granted.joined(separator: ", ")
        return refusals.isEmpty ? "real-time: \(got)" : "real-time: \(got); refused: \(refusals.joined(separator: "; "))"
    }
}
