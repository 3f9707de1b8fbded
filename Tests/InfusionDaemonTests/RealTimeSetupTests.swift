import Foundation
import Glibc
import InfusionDaemon
import Synchronization
import Testing

/// The loop thread's real-time set-up reports what the kernel actually granted.
@Suite("Real-time set-up")
struct RealTimeSetupTests {
    @Test("the report matches the thread's scheduling policy and names every refusal")
    func reportMatchesTheKernel() throws {
        let result = Mutex<(RealTimeSetup, Int32, Int32)?>(nil)
        let thread = Thread {
            // Memory is not locked here: mlockall would pin the whole test process.
            let setup = RealTimeSetup.apply(priority: 10, lockMemory: false, holdLatency: true)
            var policy: Int32 = 0
            var parameters = sched_param()
            pthread_getschedparam(pthread_self(), &policy, &parameters)
            result.withLock { $0 = (setup, policy, parameters.sched_priority) }
            if let fd = setup.latencyDescriptor { close(fd) }
        }
        thread.start()
        var seen: (RealTimeSetup, Int32, Int32)?
        eventually("the thread reported its set-up") { seen = result.withLock { $0 }; return seen != nil }
        let (setup, policy, priority) = try #require(seen)
        if setup.fifoPriority != nil {
            #expect(policy == SCHED_FIFO && priority == 10, "report says FIFO, kernel says policy \(policy) priority \(priority)")
            #expect(setup.description.contains("SCHED_FIFO 10"))
        } else {
            #expect(policy != SCHED_FIFO)
            #expect(setup.description.contains("refused: SCHED_FIFO 10"), "\(setup.description)")
        }
        #expect(setup.latencyDescriptor != nil || setup.description.contains("/dev/cpu_dma_latency"), "\(setup.description)")
        #expect(!setup.memoryLocked)
    }

    @Test(
        "with two CPUs or more, the loop takes the highest to itself and another thread keeps off it, as the kernel reports",
        .enabled(if: RealTimeSetup.loopCPU != nil, "one CPU: nothing to pin"))
    func loopGetsACPUToItself() throws {
        let cpu = try #require(RealTimeSetup.loopCPU)
        let seen = Mutex<(String, String)?>(nil)
        let loop = Thread {
            let setup = RealTimeSetup.apply(priority: 10, lockMemory: false, holdLatency: false, cpu: cpu)
            let loopCPUs = Self.allowedCPUs()
            let other = Thread {
                RealTimeSetup.keepOff(cpu)
                let otherCPUs = Self.allowedCPUs()
                seen.withLock { $0 = (loopCPUs + (setup.cpu == cpu ? "" : " (not pinned)"), otherCPUs) }
            }
            other.start()
        }
        loop.start()
        var result: (String, String)?
        eventually("both threads reported") { result = seen.withLock { $0 }; return result != nil }
        let (loopCPUs, otherCPUs) = try #require(result)
        #expect(loopCPUs == "\(cpu)", "the loop may run on \(loopCPUs)")
        #expect(!otherCPUs.isEmpty && !otherCPUs.split(separator: ",").contains { $0 == "\(cpu)" || $0.hasSuffix("-\(cpu)") },
            "another thread may run on \(otherCPUs)")
    }

    /// The kernel's `Cpus_allowed_list` for the calling thread, e.g. "1" or "0-2".
    static func allowedCPUs() -> String {
        let status = (try? String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
            .map { $0.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces) } ?? ""
    }
}
