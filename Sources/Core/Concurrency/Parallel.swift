import Dispatch
import Foundation

/// Runs `body(i)` for every `i` in `0..<count` on up to `threads` threads and returns when all
/// are done. Callers write results into distinct slots so the outcome never depends on
/// scheduling; `threads == 1` runs inline, in order.
public func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    if count <= 0 { return }
    if threads <= 1 || count == 1 {
        for i in 0..<count { body(i) }
        return
    }
    // The process's spinning workers when they are free (see ``WorkerPool``); Dispatch when
    // they are busy with another job, or this call is inside one.
    if WorkerPool.shared.run(count, threads: threads, body) { return }
    withoutActuallyEscaping(body) { escapable in
        let work = UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: count) { work.value($0) }
    }
}

/// Carries a value that is not `Sendable` across a concurrency boundary whose safety the
/// caller guarantees (see ``parallelFor(_:threads:_:)``).
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// The number of threads to use when the user did not say: every core this process may use.
public var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

/// A fixed-size array of results that parallel workers fill at distinct indices.
///
/// `@unchecked Sendable` because the type cannot prove what callers promise: each index is
/// written by exactly one worker, and read only after ``parallelFor(_:threads:_:)`` returns.
public final class ResultSlots<Element>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Element?>
    public let count: Int
    public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil, count: count)
    }
    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }
    public subscript(index: Int) -> Element? {
        get { precondition(index >= 0 && index < count); return storage[index] }
        set { precondition(index >= 0 && index < count); storage[index] = newValue }
    }
    /// All results, in index order. - Precondition: every slot was filled.
    public var values: [Element] { (0..<count).map { storage[$0]! } }
}
