import Glibc

/// Seconds on the monotonic clock (for timeouts, latencies and cost measurements): never
/// jumps with the wall clock; only differences mean anything.
@inline(__always)
public func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
