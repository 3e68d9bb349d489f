/// Scores with their 0/1 labels and optional weights, checked once and sorted once, for the
/// metrics that walk thresholds.
///
/// Rows are ordered by decreasing score (ties in their original order); `distinct` groups
/// the positions of equal scores, so that every threshold-based metric treats tied rows
/// together (a threshold cannot separate them).
public struct ScoredRows: Sendable {
    public let scores: [Double]
    public let labels: [UInt8]
    public let weights: [Double]
    /// Row indices by decreasing score, stable.
    public let order: [Int]
    /// Total weight of positive and negative rows.
    public let positiveWeight: Double
    public let negativeWeight: Double
    /// ``cumulativeCounts()``, computed once (every threshold metric walks it).
    private let cumulative: [(truePositive: Double, falsePositive: Double, threshold: Double)]

    /// Why a set of scores cannot be evaluated.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case lengthMismatch(scores: Int, labels: Int, weights: Int?)
        case invalidLabel(row: Int, value: UInt8)
        case invalidScore(row: Int, value: Double)
        case invalidWeight(row: Int, value: Double)
        case empty

        public var description: String {
            switch self {
            case .lengthMismatch(let s, let l, let w):
                return "scores (\(s)), labels (\(l))" + (w.map { " and weights (\($0))" } ?? "") + " must have the same length"
            case .invalidLabel(let row, let value): return "row \(row): label \(value) is not 0 or 1"
            case .invalidScore(let row, let value): return "row \(row): score \(value) is not a finite number"
            case .invalidWeight(let row, let value): return "row \(row): weight \(value) is not a finite number ≥ 0"
            case .empty: return "there are no rows to evaluate"
            }
        }
    }

    /// Checks and sorts. Scores must be finite; labels 0 or 1; weights finite and ≥ 0.
    public init(scores: [Double], labels: [UInt8], weights: [Double]? = nil) throws(Problem) {
        guard scores.count == labels.count, weights == nil || weights!.count == labels.count else {
            throw .lengthMismatch(scores: scores.count, labels: labels.count, weights: weights?.count)
        }
        guard !scores.isEmpty else { throw .empty }
        for (row, value) in scores.enumerated() where !value.isFinite { throw .invalidScore(row: row, value: value) }
        for (row, value) in labels.enumerated() where value > 1 { throw .invalidLabel(row: row, value: value) }
        let w = weights ?? [Double](repeating: 1, count: scores.count)
        for (row, value) in w.enumerated() where !(value.isFinite && value >= 0) { throw .invalidWeight(row: row, value: value) }
        self.init(scores: scores, labels: labels, weights: w, order: Self.decreasingOrder(scores))
    }

    /// The same rows with other weights (same length, finite, ≥ 0), keeping the sorted order:
    /// O(n), for bootstrap resamples.
    public func reweighted(_ newWeights: [Double]) -> ScoredRows {
        precondition(newWeights.count == scores.count)
        return ScoredRows(scores: scores, labels: labels, weights: newWeights, order: order)
    }

    private init(scores: [Double], labels: [UInt8], weights: [Double], order: [Int]) {
        self.scores = scores
        self.labels = labels
        self.weights = weights
        self.order = order
        var positive = 0.0, negative = 0.0
        for row in scores.indices { if labels[row] == 1 { positive += weights[row] } else { negative += weights[row] } }
        positiveWeight = positive
        negativeWeight = negative
        // One point per distinct score, from the highest down.
        var points: [(truePositive: Double, falsePositive: Double, threshold: Double)] = []
        points.reserveCapacity(scores.count)
        var tp = 0.0, fp = 0.0
        scores.withUnsafeBufferPointer { scores in
            labels.withUnsafeBufferPointer { labels in
                weights.withUnsafeBufferPointer { weights in
                    order.withUnsafeBufferPointer { order in
                        var i = 0
                        while i < order.count {
                            let score = scores[order[i]]
                            while i < order.count && scores[order[i]] == score {
                                let row = order[i]
                                if labels[row] == 1 { tp += weights[row] } else { fp += weights[row] }
                                i += 1
                            }
                            points.append((tp, fp, score))
                        }
                    }
                }
            }
        }
        cumulative = points
    }

    /// Row indices by decreasing score, ties in row order: a stable LSD radix sort on the
    /// scores' bits, mapped so that unsigned order is decreasing score order (four passes of
    /// 16 bits; O(n), where a comparison sort of 10⁷ rows takes seconds).
    static func decreasingOrder(_ scores: [Double]) -> [Int] {
        let n = scores.count
        // Increasing-order key of a finite double, complemented for decreasing order. Keys
        // travel with their row numbers, so every pass reads both arrays in sequence.
        var keys: [UInt64] = scores.map { value in
            let bits = (value == 0 ? 0.0 : value).bitPattern  // −0 and +0 tie
            let ascending = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
            return ~ascending
        }
        var order = Array(0..<n)
        var keyBuffer = [UInt64](repeating: 0, count: n), orderBuffer = [Int](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for pass in 0..<4 {
            let shift = UInt64(16 * pass)
            for i in counts.indices { counts[i] = 0 }
            keys.withUnsafeBufferPointer { keys in
                for key in keys { counts[Int((key >> shift) & 0xFFFF)] += 1 }
            }
            if counts.contains(n) { continue }  // every key shares this digit: the pass changes nothing
            var total = 0
            for i in counts.indices { let c = counts[i]; counts[i] = total; total += c }
            keys.withUnsafeBufferPointer { keys in
                order.withUnsafeBufferPointer { rows in
                    keyBuffer.withUnsafeMutableBufferPointer { keyTarget in
                        orderBuffer.withUnsafeMutableBufferPointer { rowTarget in
                            for i in 0..<n {
                                let key = keys[i]
                                let digit = Int((key >> shift) & 0xFFFF)
                                let slot = counts[digit]
                                keyTarget[slot] = key
                                rowTarget[slot] = rows[i]
                                counts[digit] = slot + 1
                            }
                        }
                    }
                }
            }
            swap(&keys, &keyBuffer)
            swap(&order, &orderBuffer)
        }
        return order
    }

    /// How many rows make the top `fraction`: ⌈fraction · n⌉, at least 1, with products that
    /// land within rounding error of a whole number taken as that number (0.1 + 0.2 of 100
    /// rows is 30 rows, not 31).
    public func topRowCount(_ fraction: Double) -> Int {
        let exact = fraction * Double(scores.count)
        let nearest = exact.rounded()
        let count = abs(exact - nearest) <= 1e-9 * max(1, exact) ? nearest : exact.rounded(.up)
        return max(1, min(scores.count, Int(count)))
    }

    /// Cumulative (true positive, false positive) weights after each group of tied scores,
    /// from the highest score down: one point per distinct score.
    public func cumulativeCounts() -> [(truePositive: Double, falsePositive: Double, threshold: Double)] {
        cumulative
    }
}
