import Core
import Experiments
import Foundation

/// The running A/B test as the by-id route sees it, so that requests do not look it up one
/// round trip each: it is read at most every ``maximumAge`` seconds, and again on the next
/// request after ``invalidate()`` — which this service calls when it creates or stops a test,
/// so its own changes are seen at once. A test created or stopped elsewhere (the CLI, another
/// instance) is seen within ``maximumAge``.
///
/// A stale answer cannot put a lead into a stopped test: the write-back stores an assignment
/// only while its test runs at commit time (``ScoreWriteBatch/statement(for:)``). For at most
/// ``maximumAge`` after a stop by another process, a lead may still be answered, and scored, by
/// its variant in the old test (the rules for control), without being recorded in it.
///
/// A failed read is not kept: each request that needs a fresh answer reads again, and gets the
/// error (503) as long as the read fails.
final class RunningTestCache: @unchecked Sendable {
    /// Seconds an answer is used before it is read again.
    static let maximumAge = 0.25

    private let lock = NSLock()
    private var test: ABTest?
    /// When the kept answer's read started (monotonic seconds); `-inf`: none is kept.
    private var readAt = -Double.infinity
    /// Counts invalidations, so that a read which overlapped one is not kept.
    private var generation = 0

    /// The running test, from the kept answer while it is younger than ``maximumAge``, else
    /// from `read` (which this call's thread runs, on its own connection).
    func current(read: () throws -> ABTest?) throws -> ABTest? {
        let now = monotonicSeconds()
        lock.lock()
        if now - readAt < Self.maximumAge {
            defer { lock.unlock() }
            return test
        }
        let started = generation
        lock.unlock()
        let fresh = try read()
        lock.lock()
        if generation == started, now > readAt {
            test = fresh
            readAt = now
        }
        lock.unlock()
        return fresh
    }

    /// Forgets the kept answer: the next ``current(read:)`` reads the database.
    func invalidate() {
        lock.lock()
        generation += 1
        readAt = -.infinity
        lock.unlock()
    }
}
