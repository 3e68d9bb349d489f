/// Percentile bootstrap confidence intervals for any metric of scored rows.
///
/// Resamples are drawn by the Poisson bootstrap: each row's weight is multiplied by an
/// independent Poisson(1) count, which is asymptotically the same as drawing n rows with
/// replacement but keeps the rows' sorted order, so a resample costs O(n) instead of a sort.
/// Randomness comes from the caller as `randomIndex(n)` (a uniform integer in 0..<n), so the
/// caller's seeded generator makes intervals reproducible and Evaluation needs no generator
/// of its own.
public enum Bootstrap {
    public struct Interval: Sendable, Equatable {
        public var estimate: Double
        public var lower: Double
        public var upper: Double
        public var confidence: Double
    }

    /// The metric on `rows`, and the (1 − confidence)/2 and (1 + confidence)/2 percentiles of
    /// the metric over `resamples` Poisson resamples. Resamples where the metric is undefined
    /// (NaN: one class drawn) are skipped.
    public static func interval(_ rows: ScoredRows, resamples: Int = 1000, confidence: Double = 0.95,
                                randomIndex: (Int) -> Int, metric: (ScoredRows) -> Double) -> Interval {
        precondition(resamples > 0 && confidence > 0 && confidence < 1)
        let n = rows.scores.count
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var weights = [Double](repeating: 0, count: n)
        for _ in 0..<resamples {
            for row in 0..<n { weights[row] = rows.weights[row] * Double(poissonOne(randomIndex)) }
            let value = metric(rows.reweighted(weights))
            if !value.isNaN { values.append(value) }
        }
        values.sort()
        func percentile(_ q: Double) -> Double {
            guard !values.isEmpty else { return .nan }
            let position = q * Double(values.count - 1)
            let low = Int(position.rounded(.down)), high = min(values.count - 1, low + 1)
            return values[low] + (position - Double(low)) * (values[high] - values[low])
        }
        return Interval(estimate: metric(rows), lower: percentile((1 - confidence) / 2), upper: percentile((1 + confidence) / 2), confidence: confidence)
    }

    /// A Poisson(1) draw by inverting its distribution function with a 30-bit uniform.
    @inline(__always)
    static func poissonOne(_ randomIndex: (Int) -> Int) -> Int {
        var u = Double(randomIndex(1 << 30)) / Double(1 << 30)
        var k = 0
        var probability = 0.36787944117144233  // e^-1
        while u >= probability && k < 20 {
            u -= probability
            k += 1
            probability /= Double(k)
        }
        return k
    }
}
