import Foundation

/// Threshold-free metrics of how well scores rank positives above negatives.
public enum RankingMetrics {
    /// Area under the ROC curve, tie-correct (tied scores count one half, as the
    /// Mann–Whitney statistic and scikit-learn's `roc_auc_score` do), with optional sample
    /// weights. `scores` are any real numbers (probabilities or raw margins).
    ///
    /// - Returns: the AUC in [0, 1], or NaN when the labels hold a single class (the AUC is
    ///   undefined there) or a score is NaN.
    /// - Precondition: `scores`, `labels` (0/1) and `weights` (if given) have equal lengths.
    public static func rocAUC(scores: [Double], labels: [UInt8], weights: [Float]? = nil) -> Double {
        precondition(scores.count == labels.count, "scores and labels must have equal lengths")
        precondition(weights == nil || weights!.count == labels.count, "weights must have one entry per label")
        guard let rows = try? ScoredRows(scores: scores, labels: labels, weights: weights?.map(Double.init)) else { return .nan }
        return rocAUC(rows)
    }

    /// ROC-AUC of checked rows: the trapezoidal area under the (weighted) ROC curve with one
    /// point per distinct score, which counts tied positive–negative pairs one half.
    public static func rocAUC(_ rows: ScoredRows) -> Double {
        guard rows.positiveWeight > 0 && rows.negativeWeight > 0 else { return .nan }
        var area = 0.0, previousTP = 0.0, previousFP = 0.0
        for point in rows.cumulativeCounts() {
            area += (point.falsePositive - previousFP) * (point.truePositive + previousTP) / 2
            previousTP = point.truePositive
            previousFP = point.falsePositive
        }
        return area / (rows.positiveWeight * rows.negativeWeight)
    }
}

/// Metrics of probabilistic predictions.
public enum ProbabilityMetrics {
    /// Mean negative log-likelihood of 0/1 labels under probabilities `p` (natural log),
    /// weighted when `weights` are given. Probabilities are clipped to [1e-15, 1 − 1e-15] so
    /// that a confident mistake costs a large finite amount, as in scikit-learn.
    /// - Returns: NaN when a probability is NaN or outside [0, 1].
    public static func logLoss(probabilities p: [Double], labels: [UInt8], weights: [Float]? = nil) -> Double {
        precondition(p.count == labels.count, "probabilities and labels must have equal lengths")
        return logLoss(p, labels) { Double(weights?[$0] ?? 1) }
    }

    /// Log loss of checked rows (their scores must be probabilities; NaN otherwise). The
    /// per-row losses are computed once per set of rows and shared by its reweighted copies,
    /// so a bootstrap resample costs a weighted sum, not n logarithms.
    public static func logLoss(_ rows: ScoredRows) -> Double {
        guard let losses = rows.rowLogLosses() else { return .nan }
        var total = 0.0, weightSum = 0.0
        losses.withUnsafeBufferPointer { l in
            rows.weights.withUnsafeBufferPointer { w in
                for i in 0..<l.count {
                    total += w[i] * l[i]
                    weightSum += w[i]
                }
            }
        }
        return weightSum > 0 ? total / weightSum : .nan
    }

    /// −log of the probability given to the observed label, clipped as ``logLoss(probabilities:labels:weights:)``
    /// clips; `nil` when `p` is not a probability.
    @inline(__always)
    /// One-sided p-value that `after`'s probabilities have a lower mean log loss than
    /// `before`'s on the same rows: the weighted mean per-row gain over its standard error
    /// (Kish's effective number of rows for the weights), under the standard normal (the rows
    /// number hundreds at least). 1 when no row changes, 0 when every row gains alike.
    public static func pairedLogLossGainPValue(before: [Double], after: [Double], labels: [UInt8], weights: [Float]? = nil) -> Double {
        precondition(before.count == labels.count && after.count == labels.count, "probabilities and labels must have equal lengths")
        var sumW = 0.0, sumW2 = 0.0, sumWG = 0.0
        var gains = [Double](repeating: 0, count: labels.count)
        for row in labels.indices {
            let w = Double(weights?[row] ?? 1)
            gains[row] = (rowLoss(before[row], label: labels[row]) ?? .nan) - (rowLoss(after[row], label: labels[row]) ?? .nan)
            sumW += w; sumW2 += w * w; sumWG += w * gains[row]
        }
        let mean = sumWG / sumW
        var spread = 0.0
        for row in gains.indices { spread += Double(weights?[row] ?? 1) * (gains[row] - mean) * (gains[row] - mean) }
        let effectiveRows = sumW * sumW / sumW2
        let standardError = (spread / sumW / max(1, effectiveRows - 1)).squareRoot()
        guard standardError > 0 else { return mean > 0 ? 0 : 1 }
        return Distributions.normalCDF(-mean / standardError)
    }

    static func rowLoss(_ p: Double, label: UInt8) -> Double? {
        guard p >= 0 && p <= 1 else { return nil }
        let q = min(max(p, 1e-15), 1 - 1e-15)
        return label == 1 ? -Foundation.log(q) : -Foundation.log(1 - q)
    }

    private static func logLoss(_ p: [Double], _ labels: [UInt8], weight: (Int) -> Double) -> Double {
        var total = 0.0, weightSum = 0.0
        for i in p.indices {
            guard let loss = rowLoss(p[i], label: labels[i]) else { return .nan }
            let w = weight(i)
            total += w * loss
            weightSum += w
        }
        return weightSum > 0 ? total / weightSum : .nan
    }
}
