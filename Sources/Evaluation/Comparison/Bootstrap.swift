import Core

/// Percentile bootstrap confidence intervals for any metric of scored rows.
///
/// Resamples are drawn by the Poisson bootstrap: each row's weight is multiplied by an
/// independent Poisson(1) count, which is asymptotically the same as drawing n rows with
/// replacement but keeps the rows' sorted order, so a resample costs O(n) instead of a sort.
/// Several metrics share each resample (one reweighting serves them all), and resamples run
/// on several threads. Resample r draws from its own stream, a SplitMix64 sequence seeded by
/// (seed, r), so the intervals depend on the seed only, never on the thread count.
public enum Bootstrap {
    public struct Interval: Sendable, Equatable {
        public var estimate: Double
        public var lower: Double
        public var upper: Double
        public var confidence: Double
    }

    /// A metric and the name its interval is reported under.
    public typealias Metric = (name: String, value: @Sendable (ScoredRows) -> Double)

    /// Each metric on `rows`, and the (1 − confidence)/2 and (1 + confidence)/2 percentiles
    /// of its values over `resamples` Poisson resamples. Resamples where a metric is undefined
    /// (NaN: one class drawn) are skipped for that metric.
    public static func intervals(_ rows: ScoredRows, metrics: [Metric], resamples: Int = 1000, confidence: Double = 0.95,
                                 seed: UInt64, threads: Int = ScoredRows.defaultThreads) -> [String: Interval] {
        precondition(resamples > 0 && confidence > 0 && confidence < 1)
        let n = rows.scores.count, m = metrics.count
        let workers = max(1, min(threads, resamples))
        var values = [Double](repeating: .nan, count: resamples * m)
        values.withUnsafeMutableBufferPointer { slots in
            parallelFor(workers, threads: workers) { worker in
                // One resample value per worker, refilled in place (no allocation per resample).
                var resample = rows.reweighted(sortedWeights: rows.weights)
                var weights = [Double](repeating: 0, count: n)
                for r in stride(from: worker, to: resamples, by: workers) {
                    var random = SplitMix64(seed: seed, stream: UInt64(r))
                    rows.weights.withUnsafeBufferPointer { base in
                        weights.withUnsafeMutableBufferPointer { target in
                            poissonThresholds.withUnsafeBufferPointer { thresholds in
                                for i in 0..<n { target[i] = base[i] * Double(poissonOne(random.next(), thresholds)) }
                            }
                        }
                    }
                    resample.swapSortedWeights(&weights)
                    for (k, metric) in metrics.enumerated() { slots[r * m + k] = metric.value(resample) }
                }
            }
        }
        var result: [String: Interval] = [:]
        for (k, metric) in metrics.enumerated() {
            let drawn = (0..<resamples).map { values[$0 * m + k] }.filter { !$0.isNaN }.sorted()
            func percentile(_ q: Double) -> Double {
                guard !drawn.isEmpty else { return .nan }
                let position = q * Double(drawn.count - 1)
                let low = Int(position.rounded(.down)), high = min(drawn.count - 1, low + 1)
                return drawn[low] + (position - Double(low)) * (drawn[high] - drawn[low])
            }
            result[metric.name] = Interval(estimate: metric.value(rows), lower: percentile((1 - confidence) / 2),
                                           upper: percentile((1 + confidence) / 2), confidence: confidence)
        }
        return result
    }

    /// The interval of one metric (see ``intervals(_:metrics:resamples:confidence:seed:threads:)``).
    public static func interval(_ rows: ScoredRows, resamples: Int = 1000, confidence: Double = 0.95, seed: UInt64,
                                threads: Int = ScoredRows.defaultThreads, metric: @escaping @Sendable (ScoredRows) -> Double) -> Interval {
        intervals(rows, metrics: [("metric", metric)], resamples: resamples, confidence: confidence, seed: seed, threads: threads)["metric"]!
    }

    /// P(Poisson(1) ≤ k) · 2⁶⁴, k = 0…18, rounded down: a uniform 64-bit word below
    /// `thresholds[k]` and at or above `thresholds[k − 1]` is the draw k (inversion on
    /// integers: no floating point, about two comparisons per draw). P(k > 18) < 1e-17.
    static let poissonThresholds: [UInt64] = {
        var cdf = 0.0, probability = 0.36787944117144233  // e^-1
        return (0...18).map { k in
            if k > 0 { probability /= Double(k) }
            cdf += probability
            return cdf >= 1 ? UInt64.max : UInt64(cdf * 0x1p64)
        }
    }()

    /// A Poisson(1) draw from a uniform 64-bit word, by ``poissonThresholds``.
    @inline(__always)
    static func poissonOne(_ word: UInt64, _ thresholds: UnsafeBufferPointer<UInt64>) -> Int {
        // Branch-free for k < 5 (99.6 % of draws: a branch per comparison would mispredict
        // about once per draw), a loop for the rest.
        var k = (word >= thresholds[0] ? 1 : 0) &+ (word >= thresholds[1] ? 1 : 0) &+ (word >= thresholds[2] ? 1 : 0)
            &+ (word >= thresholds[3] ? 1 : 0) &+ (word >= thresholds[4] ? 1 : 0)
        if k == 5 { while k < 18 && word >= thresholds[k] { k += 1 } }
        return k
    }
}
