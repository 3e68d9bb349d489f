import Foundation
import Testing
@testable import Core

/// `parallelFor` runs on a pool of spinning workers when it is free and on Dispatch when it
/// is not. Whatever runs a job, every index must run exactly once, and the call must return
/// only when all have.
@Suite struct ParallelForTests {
    /// Runs `count` indices and returns how many times each ran.
    private func runs(_ count: Int, threads: Int, work: Int = 0) -> [Int] {
        let slots = ResultSlots<Int>(count: count)
        parallelFor(count, threads: threads) { index in
            var x = index
            for _ in 0..<work { x = x &* 6364136223846793005 &+ 1 }  // make some indices slow
            slots[index] = (slots[index] ?? 0) + 1 + (x == -1 ? 1 : 0)
        }
        return (0..<count).map { slots[$0] ?? 0 }
    }

    @Test func everyIndexRunsOnceWhateverTheSizesAndThreads() {
        for count in [0, 1, 2, 3, 7, 64, 1000] {
            for threads in [1, 2, 3, 16] {
                #expect(runs(count, threads: threads) == Array(repeating: 1, count: count), "count \(count), threads \(threads)")
            }
        }
    }

    /// Thousands of tiny jobs back to back (helpers spinning), and jobs after pauses long
    /// enough for the helpers to fall asleep (the wake-up path).
    @Test func manyJobsInARowAndAfterPauses() {
        var wrong = 0
        for job in 0..<5000 where runs(1 + job % 9, threads: 2) != Array(repeating: 1, count: 1 + job % 9) { wrong += 1 }
        #expect(wrong == 0)
        for _ in 0..<20 {
            Thread.sleep(forTimeInterval: 0.003)
            #expect(runs(50, threads: 2, work: 200) == Array(repeating: 1, count: 50))
        }
    }

    /// A new pool's helper joins the very first job, even when the job is opened before the
    /// helper thread has started: index 0 waits for index 1, which only a helper can run
    /// meanwhile (the caller takes index 0 first).
    @Test func aNewPoolsHelperJoinsTheFirstJob() {
        let pool = WorkerPool(helpers: 1)
        let ranOne = ResultSlots<Bool>(count: 1)
        var waitedOut = false
        let started = Date()
        let ran = pool.run(2, threads: 2) { index in
            if index == 1 { ranOne[0] = true; return }
            while ranOne[0] != true {
                if Date().timeIntervalSince(started) > 5 { waitedOut = true; return }
                usleep(100)
            }
        }
        #expect(ran && !waitedOut)
    }

    /// A `parallelFor` inside a job finds the pool busy and runs on Dispatch.
    @Test func nestedCallsComplete() {
        let outer = ResultSlots<Int>(count: 8)
        parallelFor(8, threads: 2) { i in
            let inner = ResultSlots<Int>(count: 100)
            parallelFor(100, threads: 2) { j in inner[j] = j }
            outer[i] = inner.values.reduce(0, +)
        }
        #expect(outer.values == Array(repeating: 4950, count: 8))
    }

    /// Several threads submitting at once: one gets the pool, the others Dispatch.
    @Test func concurrentCallersEachGetAllTheirIndices() {
        let results = ResultSlots<Bool>(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            var ok = true
            for job in 0..<300 where runs(10 + (job + caller) % 50, threads: 2, work: job % 3 * 50) != Array(repeating: 1, count: 10 + (job + caller) % 50) {
                ok = false
            }
            results[caller] = ok
        }
        #expect(results.values == [true, true, true, true])
    }
}
