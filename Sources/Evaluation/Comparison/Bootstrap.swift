/// Percentile bootstrap confidence intervals for any metric of scored rows.
///
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
    /// the metric over `resamples` resamples of the rows with replacement. Resamples where the
    /// metric is undefined (NaN: one class drawn) are skipped.
    public static func interval(_ rows: ScoredRows, resamples: Int = 1000, confidence: Double = 0.95,
                                randomIndex: (Int) -> Int, metric: (ScoredRows) -> Double) -> Interval {
        precondition(resamples > 0 && confidence > 0 && confidence < 1)
        let n = rows.scores.count
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var scores = [Double](repeating: 0, count: n), labels = [UInt8](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
        for _ in 0..<resamples {
            for k in 0..<n {
                let row = randomIndex(n)
                scores[k] = rows.scores[row]; labels[k] = rows.labels[row]; weights[k] = rows.weights[row]
            }
            guard let sample = try? ScoredRows(scores: scores, labels: labels, weights: weights) else { continue }
            let value = metric(sample)
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
}
