import CPosixShims

/// The calling thread's page faults so far (getrusage RUSAGE_THREAD): minor ones are served from
/// memory (the page cache, a zeroed page), major ones waited for the disk. Read outside the tick:
/// before the loop's first and after its last.
struct ThreadPageFaults {
    var minor: Int
    var major: Int

    static func now() -> ThreadPageFaults {
        var minor = 0
        var major = 0
        guard cposix_thread_page_faults(&minor, &major) == 0 else { return ThreadPageFaults(minor: 0, major: 0) }
        return ThreadPageFaults(minor: minor, major: major)
    }

    /// "page faults in the loop since its first tick: minor N, major M"
    func since(_ start: ThreadPageFaults) -> String {
        "page faults in the loop since its first tick: minor \(minor - start.minor), major \(major - start.major)"
    }
}
