import Foundation

/// Hands complete batches of rows from a reading thread to the scoring thread, at most one
/// batch ahead, so that the next batch streams in from PostgreSQL while the current one is
/// scored; batches come out in the order they went in.
///
/// `@unchecked Sendable`: every field is read and written under `condition`'s lock.
final class BatchHandoff<Batch>: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: Batch?
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false

    /// Waits until the previous batch was taken, then offers `batch`. Returns `false` when the
    /// consumer has stopped taking batches (the reader should stop reading).
    func put(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while pending != nil && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        pending = batch
        condition.broadcast()
        return true
    }

    /// The reader is done: no more batches, and `error` if reading failed.
    func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or `nil` once the reader finished and every batch was taken; throws
    /// the reader's error after the batches read before it.
    func take() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while pending == nil && !finished { condition.wait() }
        if let batch = pending {
            pending = nil
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// The consumer stops taking batches: a blocked or later `put` returns `false`.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
