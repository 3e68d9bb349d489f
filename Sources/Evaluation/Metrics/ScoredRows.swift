import Foundation

/// Scores with their 0/1 labels and optional weights, checked once and sorted once, for the
/// metrics that walk thresholds.
///
/// The rows are stored **sorted by decreasing score** (ties in their original row order):
/// `scores`, `labels` and `weights` are the sorted columns and `order[i]` is the original row
/// of position i. Every later pass is then a sequential read. The cumulative counts per
/// distinct score, which every threshold metric walks, are computed once here.
public struct ScoredRows: Sendable {
    /// Scores, decreasing (−0 is stored as +0).
    public let scores: [Double]
    /// Labels in the order of ``scores``.
    public let labels: [UInt8]
    /// Weights in the order of ``scores``.
    public private(set) var weights: [Double]
    /// `order[i]`: the original row number of sorted position i.
    public let order: [UInt32]
    /// Total weight of positive and negative rows.
    public private(set) var positiveWeight: Double
    public private(set) var negativeWeight: Double
    /// ``cumulativeCounts()``, computed once (every threshold metric walks it).
    private var cumulative: [(truePositive: Double, falsePositive: Double, threshold: Double)]
    /// ``rowLogLosses()``, computed on first use, shared with reweighted copies.
    private let lossCache: RowLossCache

    /// Threads used to sort: the machine's cores. The result does not depend on it.
    public static let defaultThreads = max(1, ProcessInfo.processInfo.activeProcessorCount)

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
    public init(scores: [Double], labels: [UInt8], weights: [Double]? = nil, threads: Int = ScoredRows.defaultThreads) throws(Problem) {
        guard scores.count == labels.count, weights == nil || weights!.count == labels.count else {
            throw .lengthMismatch(scores: scores.count, labels: labels.count, weights: weights?.count)
        }
        guard !scores.isEmpty else { throw .empty }
        for (row, value) in scores.enumerated() where !value.isFinite { throw .invalidScore(row: row, value: value) }
        for (row, value) in labels.enumerated() where value > 1 { throw .invalidLabel(row: row, value: value) }
        if let weights {
            for (row, value) in weights.enumerated() where !(value.isFinite && value >= 0) { throw .invalidWeight(row: row, value: value) }
        }
        let (order, sorted) = DecreasingSort.sort(scores, threads: threads)
        let n = scores.count
        let sortedLabels = [UInt8](unsafeUninitializedCapacity: n) { buffer, count in
            labels.withUnsafeBufferPointer { l in for i in 0..<n { buffer[i] = l[Int(order[i])] } }
            count = n
        }
        let sortedWeights = weights.map { w in
            [Double](unsafeUninitializedCapacity: n) { buffer, count in
                w.withUnsafeBufferPointer { w in for i in 0..<n { buffer[i] = w[Int(order[i])] } }
                count = n
            }
        } ?? [Double](repeating: 1, count: n)
        self.init(sortedScores: sorted, labels: sortedLabels, weights: sortedWeights, order: order)
    }

    /// The same rows with other weights, given in sorted order (``weights``' order): O(n)
    /// without a sort, for bootstrap resamples. Weights must be finite and ≥ 0.
    public func reweighted(sortedWeights newWeights: [Double]) -> ScoredRows {
        precondition(newWeights.count == scores.count)
        return ScoredRows(sortedScores: scores, labels: labels, weights: newWeights, order: order, lossCache: lossCache)
    }

    private init(sortedScores scores: [Double], labels: [UInt8], weights: [Double], order: [UInt32], lossCache: RowLossCache = RowLossCache()) {
        self.lossCache = lossCache
        self.scores = scores
        self.labels = labels
        self.weights = weights
        self.order = order
        cumulative = []
        positiveWeight = 0
        negativeWeight = 0
        accumulate()
    }

    /// Swaps in other weights (sorted order, finite, ≥ 0; `newWeights` gets the old ones) and
    /// recomputes the totals and cumulative counts, reusing this value's storage: the
    /// bootstrap's inner loop, where fresh allocations would cost more in page faults than
    /// the arithmetic.
    mutating func swapSortedWeights(_ newWeights: inout [Double]) {
        precondition(newWeights.count == scores.count)
        swap(&weights, &newWeights)
        accumulate()
    }

    /// The class totals and one cumulative point per distinct score, from the highest down,
    /// in one sequential pass.
    private mutating func accumulate() {
        cumulative.removeAll(keepingCapacity: true)
        var tp = 0.0, fp = 0.0
        scores.withUnsafeBufferPointer { s in
            labels.withUnsafeBufferPointer { l in
                weights.withUnsafeBufferPointer { w in
                    let n = s.count
                    cumulative.reserveCapacity(n)
                    var i = 0
                    while i < n {
                        let score = s[i]
                        repeat {
                            if l[i] == 1 { tp += w[i] } else { fp += w[i] }
                            i += 1
                        } while i < n && s[i] == score
                        cumulative.append((tp, fp, score))
                    }
                }
            }
        }
        positiveWeight = tp
        negativeWeight = fp
    }

    /// Each row's log loss (``ProbabilityMetrics/rowLoss(_:label:)``) in sorted order, computed
    /// once and shared by reweighted copies; `nil` when a score is not a probability.
    func rowLogLosses() -> [Double]? {
        lossCache.losses(scores, labels)
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

/// The per-row log losses of one set of sorted rows, computed once under a lock (bootstrap
/// workers share it).
final class RowLossCache: @unchecked Sendable {
    private let lock = NSLock()
    private var computed = false
    private var losses: [Double]?

    func losses(_ scores: [Double], _ labels: [UInt8]) -> [Double]? {
        lock.lock()
        defer { lock.unlock() }
        if !computed {
            var values = [Double](repeating: 0, count: scores.count)
            var valid = true
            for i in scores.indices {
                guard let loss = ProbabilityMetrics.rowLoss(scores[i], label: labels[i]) else { valid = false; break }
                values[i] = loss
            }
            losses = valid ? values : nil
            computed = true
        }
        return losses
    }
}
