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
        if scores.contains(where: \.isNaN) { return .nan }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var negativeBelow = 0.0, totalPositive = 0.0, area = 0.0
        var start = 0
        while start < order.count {
            var end = start
            var groupPositive = 0.0, groupNegative = 0.0
            while end < order.count && scores[order[end]] == scores[order[start]] {
                let row = order[end]
                let weight = Double(weights?[row] ?? 1)
                if labels[row] == 1 { groupPositive += weight } else { groupNegative += weight }
                end += 1
            }
            area += groupPositive * (negativeBelow + 0.5 * groupNegative)
            negativeBelow += groupNegative
            totalPositive += groupPositive
            start = end
        }
        let totalNegative = negativeBelow
        guard totalPositive > 0 && totalNegative > 0 else { return .nan }
        return area / (totalPositive * totalNegative)
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
        var total = 0.0, weightSum = 0.0
        for i in p.indices {
            guard p[i] >= 0 && p[i] <= 1 else { return .nan }
            let q = min(max(p[i], 1e-15), 1 - 1e-15)
            let w = Double(weights?[i] ?? 1)
            total -= w * (labels[i] == 1 ? _log(q) : _log(1 - q))
            weightSum += w
        }
        return weightSum > 0 ? total / weightSum : .nan
    }
}
