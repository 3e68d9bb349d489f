import Foundation

/// A fixed set of threads that run submitted jobs in order of arrival, each job told which
/// thread (`0..<count`) runs it, so that a job can use that thread's own resources (a database
/// connection) without locking. For work that blocks (database round trips): at most `count`
/// such jobs run at once, and the others wait in the queue instead of holding threads.
public final class WorkerThreads: @unchecked Sendable {
    public let count: Int
    private let condition = NSCondition()
    private var jobs: [@Sendable (Int) -> Void] = []
    private var head = 0

    /// Starts `count` threads (at least one), named `name-0`, `name-1` …; they live as long as
    /// the process.
    public init(count: Int, name: String) {
        self.count = max(1, count)
        for index in 0..<self.count {
            let thread = Thread { [self] in run(index) }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Queues `job`; one of the threads runs it with its index.
    public func submit(_ job: @escaping @Sendable (Int) -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run(_ index: Int) {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job(index)
        }
    }
}
