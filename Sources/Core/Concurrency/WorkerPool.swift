import CMemory
import Foundation

/// Threads kept for ``parallelFor(_:threads:_:)``: after a job they spin for a while (about
/// 0.1 ms) before sleeping, so that the next job finds them awake.
///
/// Why: training a tree on tens of thousands of rows is a string of parallel loops of tens of
/// microseconds each (a leaf's histograms, its split search, a partition). Dispatch's workers
/// sleep between them, and waking one takes about as long as such a loop, so the caller had
/// done most of the work alone by the time a second thread joined (`mlctl tune --threads 2`
/// was no faster than `--threads 1`). OpenMP, which LightGBM uses, keeps its threads spinning
/// for the same reason.
///
/// One job at a time: a caller that finds the pool busy (another thread's job, or a
/// `parallelFor` inside a job) is told so and uses Dispatch instead. Which thread runs which
/// index never changes a result: callers write each index's result to its own slot.
final class WorkerPool: @unchecked Sendable {
    /// The pool of the process: one helper per core beyond the caller's.
    static let shared = WorkerPool(helpers: max(0, defaultThreadCount - 1))

    /// Shared counters, each in its own cache line (`Int` is C's `long` here).
    private let counters: UnsafeMutablePointer<Int>
    /// 1 while a job is being run.
    private var busy: UnsafeMutablePointer<Int> { counters }
    /// Odd while a job is open to helpers, even otherwise; only ever grows, so a helper can
    /// tell a job it saw from the next one.
    private var generation: UnsafeMutablePointer<Int> { counters + 8 }
    /// The next index of the open job to hand out.
    private var next: UnsafeMutablePointer<Int> { counters + 16 }
    /// Helpers that may still join the open job (the caller's `threads` less one).
    private var seats: UnsafeMutablePointer<Int> { counters + 24 }
    /// Helpers between joining a job and leaving it: the caller waits for none to be left.
    private var inside: UnsafeMutablePointer<Int> { counters + 32 }
    /// Helpers asleep (or about to be) on `wakeUp`.
    private var sleepers: UnsafeMutablePointer<Int> { counters + 40 }

    /// The open job; written only while no helper can be inside a job.
    private var body: ((Int) -> Void)?
    private var count = 0

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeUp = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    let helpers: Int

    /// Rounds of spinning (each a CPU pause, tens of nanoseconds) before a helper sleeps.
    private static let spinRounds = 4096

    init(helpers: Int) {
        self.helpers = helpers
        counters = .allocate(capacity: 48)
        counters.initialize(repeating: 0, count: 48)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wakeUp, nil)
        for index in 0..<helpers {
            let thread = Thread { [unowned self] in self.helperLoop() }
            thread.name = "mlctl-worker-\(index + 1)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count` on the calling thread and up to
    /// `threads - 1` helpers, and returns when all are done; or returns false at once, having
    /// run nothing, if the pool is running another job.
    func run(_ count: Int, threads: Int, _ body: (Int) -> Void) -> Bool {
        guard helpers > 0, mlctl_atomic_compare_exchange(busy, 0, 1) != 0 else { return false }
        withoutActuallyEscaping(body) { escapable in
            self.body = escapable
            self.count = count
            mlctl_atomic_store(next, 0)
            mlctl_atomic_store(seats, min(threads, count) - 1)
            mlctl_atomic_fetch_add(generation, 1)  // odd: open
            if mlctl_atomic_load(sleepers) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(wakeUp)
                pthread_mutex_unlock(mutex)
            }
            takeIndices(escapable, count: count)
            mlctl_atomic_fetch_add(generation, 1)  // even: closed to helpers not yet in
            while mlctl_atomic_load(inside) != 0 { mlctl_cpu_relax() }
            self.body = nil
        }
        mlctl_atomic_store(busy, 0)
        return true
    }

    @inline(__always)
    private func takeIndices(_ body: (Int) -> Void, count: Int) {
        while true {
            let index = mlctl_atomic_fetch_add(next, 1)
            if index >= count { return }
            body(index)
        }
    }

    private func helperLoop() {
        // Generation 0 is the one before any job: a helper that starts after the first job
        // was opened (the pool is made by the first `parallelFor`) must still join it.
        var seen = 0
        while true {
            let job = waitForJob(after: seen)
            seen = job
            mlctl_atomic_fetch_add(inside, 1)
            // Still the job seen (not closed since), and a seat left: `body` and `count` are
            // that job's until this helper leaves.
            if mlctl_atomic_load(generation) == job, mlctl_atomic_fetch_add(seats, -1) > 0 { help() }
            mlctl_atomic_fetch_add(inside, -1)
        }
    }

    /// Takes indices of the open job until none are left. A function of its own so that the
    /// helper's reference to `body` is gone when it returns: the caller's
    /// `withoutActuallyEscaping` checks that none is left when the job ends.
    @inline(never)
    private func help() {
        guard let body else { return }
        takeIndices(body, count: count)
    }

    /// Spins, then sleeps, until a job newer than generation `seen` is open; returns its
    /// generation.
    private func waitForJob(after seen: Int) -> Int {
        func openJob() -> Int? {
            let current = mlctl_atomic_load(generation)
            return current != seen && current & 1 == 1 ? current : nil
        }
        for _ in 0..<Self.spinRounds {
            if let job = openJob() { return job }
            mlctl_cpu_relax()
        }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        // Counted before looking again: a caller that opens a job after this look sees the
        // sleeper and wakes it (both orders are sequentially consistent).
        mlctl_atomic_fetch_add(sleepers, 1)
        defer { mlctl_atomic_fetch_add(sleepers, -1) }
        while true {
            if let job = openJob() { return job }
            pthread_cond_wait(wakeUp, mutex)
        }
    }
}
