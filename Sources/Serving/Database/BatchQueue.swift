import Foundation

/// Batches the calls of many threads: each caller hands in its item and waits; a free worker
/// thread takes everything waiting (up to `maximumBatch`) and processes it as one batch — one
/// statement, one round trip, one commit — then releases each caller with its own output.
/// Under load a batch holds what arrived while the workers were busy, so concurrent callers
/// share a statement's fixed cost (and, for writes, a commit's WAL flush) instead of queueing
/// for one each; a lone call is processed at once, without waiting for company.
///
/// There are `workerCount` workers, each told its index so it can keep resources of its own
/// (a database connection), and so one slow batch (a row lock, a slow statement) holds up
/// only its own callers. Workers start with the first call.
///
/// A batch fails as a whole: if `process` throws, each of its callers gets that error.
final class BatchQueue<Item, Output>: @unchecked Sendable {
    private final class Ticket: @unchecked Sendable {
        let item: Item
        let done = DispatchSemaphore(value: 0)
        var result: Result<Output, any Error>?
        init(_ item: Item) { self.item = item }
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
    ///   - workers: worker threads (at least one).
    ///   - maximumBatch: items that one batch takes at most.
    ///   - process: handles a batch on worker `worker` (`0..<workers`) and returns one output
    ///     per item, in the batch's order.
    init(name: String, workers: Int, maximumBatch: Int, process: @escaping (_ batch: [Item], _ worker: Int) throws -> [Output]) {
        self.name = name
        self.workerCount = max(1, workers)
        self.maximumBatch = max(1, maximumBatch)
        self.process = process
    }

    /// Processes `item` with the next batch and returns its output; throws the batch's error.
    func submit(_ item: Item) throws -> Output {
        let ticket = Ticket(item)
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
        condition.signal()
        condition.unlock()
        ticket.done.wait()
        return try ticket.result!.get()
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
        while true {
            condition.lock()
            while pending.isEmpty && !stopped { condition.wait() }
            if pending.isEmpty && stopped {
                condition.unlock()
                return
            }
            let batch = Array(pending.prefix(maximumBatch))
            pending.removeFirst(batch.count)
            taken += 1
            condition.unlock()
            let outputs = Result { try process(batch.map(\.item), worker) }
            if case .success(let values) = outputs { precondition(values.count == batch.count, "one output per item") }
            for (index, ticket) in batch.enumerated() {
                ticket.result = outputs.map { $0[index] }
                ticket.done.signal()
            }
        }
    }
}
