import Core
import Foundation

/// Batches the calls of many requests: each hands in its item with a continuation; the worker
/// thread takes everything waiting (up to `maximumBatch`) and processes it as one batch — one
/// statement, one round trip, one commit — then calls each item's continuation with its own
/// output. Under load a batch holds what arrived while the previous one was processed, so
/// concurrent requests share a statement's fixed cost (and, for writes, a commit's WAL flush)
/// instead of paying one each; a lone item is processed at once, without waiting for company.
/// Nothing blocks the caller: the continuation runs later, on the worker thread.
///
/// Worker 0 takes every batch while it keeps up. The others are standbys, for a batch that
/// stalls (a row locked by another transaction, a slow statement): every ``standbyDelay``
/// seconds they look, and take what has waited that long. Free workers that took batches at
/// once would split the load into small batches, each paying the fixed cost (measured: a
/// second writer taking turns with the first halved the write batches and cost PostgreSQL
/// about a third more CPU per request). Each worker is told its index, so it can keep
/// resources of its own (a database connection). Workers start with the first item.
///
/// A batch fails as a whole: if `process` throws, each of its continuations gets that error.
final class BatchQueue<Item, Output>: @unchecked Sendable {
    /// What a continuation gets: the item's output, or the batch's error.
    typealias Continuation = (Result<Output, any Error>) -> Void

    /// Seconds an item waits before a standby worker takes it: several commits' time.
    static var standbyDelay: Double { 0.01 }

    private struct Ticket {
        let item: Item
        let then: Continuation
        /// When it was queued (monotonic seconds).
        let queued: Double
    }

    private let name: String
    private let workerCount: Int
    private let maximumBatch: Int
    private let process: (_ batch: [Item], _ worker: Int) throws -> [Output]
    private let condition = NSCondition()
    private var pending: [Ticket] = []
    private var stopped = false
    private var started = false
    private var taken = 0

    /// - Parameters:
    ///   - name: the worker threads' name prefix (`name-0`, `name-1`, …).
    ///   - workers: worker threads (at least one): worker 0 and `workers - 1` standbys.
    ///   - maximumBatch: items that one batch takes at most.
    ///   - process: handles a batch on worker `worker` (`0..<workers`) and returns one output
    ///     per item, in the batch's order.
    init(name: String, workers: Int, maximumBatch: Int, process: @escaping (_ batch: [Item], _ worker: Int) throws -> [Output]) {
        self.name = name
        self.workerCount = max(1, workers)
        self.maximumBatch = max(1, maximumBatch)
        self.process = process
    }

    /// Queues `item` for the next batch; `then` is called once, on the worker thread that
    /// processed it, with its output or the batch's error. Continuations of one batch run one
    /// after another, in the batch's order, before the worker takes its next batch.
    func submit(_ item: Item, then: @escaping Continuation) {
        let ticket = Ticket(item: item, then: then, queued: monotonicSeconds())
        condition.lock()
        if !started {
            started = true
            for worker in 0..<workerCount {
                let thread = Thread { [self] in run(worker: worker) }
                thread.name = "\(name)-\(worker)"
                thread.start()
            }
        }
        pending.append(ticket)
        condition.signal()  // only worker 0 waits on the condition
        condition.unlock()
    }

    /// Batches taken so far (for tests and diagnostics).
    var batchesTaken: Int {
        condition.lock()
        defer { condition.unlock() }
        return taken
    }

    /// Ends the worker threads once the items queued so far are processed.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func run(worker: Int) {
        while let batch = nextBatch(worker: worker) {
            let outputs = Result { try process(batch.map(\.item), worker) }
            if case .success(let values) = outputs { precondition(values.count == batch.count, "one output per item") }
            for (index, ticket) in batch.enumerated() {
                ticket.then(outputs.map { $0[index] })
            }
        }
    }

    /// The next batch for `worker`, waiting until there is one; `nil` once stopped and drained.
    private func nextBatch(worker: Int) -> [Ticket]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let oldest = pending.first, worker == 0 || monotonicSeconds() - oldest.queued >= Self.standbyDelay {
                let batch = Array(pending.prefix(maximumBatch))
                pending.removeFirst(batch.count)
                taken += 1
                return batch
            }
            if stopped && (worker > 0 || pending.isEmpty) { return nil }
            if worker == 0 {
                condition.wait()
            } else {
                condition.unlock()
                Thread.sleep(forTimeInterval: Self.standbyDelay)
                condition.lock()
            }
        }
    }
}
