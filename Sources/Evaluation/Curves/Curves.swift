/// Points of the curves people look at to judge a scorer: ROC, precision–recall,
/// reliability (calibration), cumulative gain and lift, and the score distribution by class.
/// Each is a plain array of points, ready for a plot or a JSON report.
public enum Curves {
    /// ROC points (false-positive rate, true-positive rate, threshold) from (0, 0) at +∞, one
    /// per distinct score.
    public static func roc(_ rows: ScoredRows) -> [(fpr: Double, tpr: Double, threshold: Double)] {
        guard rows.positiveWeight > 0 && rows.negativeWeight > 0 else { return [] }
        return [(0, 0, .infinity)] + rows.cumulativeCounts().map {
            ($0.falsePositive / rows.negativeWeight, $0.truePositive / rows.positiveWeight, $0.threshold)
        }
    }

    /// Precision–recall points (recall, precision, threshold), highest threshold first.
    public static func precisionRecall(_ rows: ScoredRows) -> [(recall: Double, precision: Double, threshold: Double)] {
        guard rows.positiveWeight > 0 else { return [] }
        return rows.cumulativeCounts().map {
            ($0.truePositive / rows.positiveWeight, $0.truePositive / ($0.truePositive + $0.falsePositive), $0.threshold)
        }
    }

    /// Reliability diagram over `bins` equal-width probability bins: mean predicted
    /// probability, observed positive rate and weight of each non-empty bin (as scikit-learn's
    /// `calibration_curve(strategy="uniform")`, with weights).
    public static func reliability(_ rows: ScoredRows, bins: Int = 10) -> [(meanPredicted: Double, observedRate: Double, weight: Double)] {
        var weight = [Double](repeating: 0, count: bins), predicted = weight, observed = weight
        for row in rows.scores.indices {
            let bin = min(bins - 1, max(0, Int(rows.scores[row] * Double(bins))))
            weight[bin] += rows.weights[row]
            predicted[bin] += rows.weights[row] * rows.scores[row]
            observed[bin] += rows.weights[row] * Double(rows.labels[row])
        }
        return (0..<bins).filter { weight[$0] > 0 }.map { (predicted[$0] / weight[$0], observed[$0] / weight[$0], weight[$0]) }
    }

    /// Cumulative gain and lift at each of `steps` equal shares of the rows taken by
    /// decreasing score: (share of rows, capture rate, lift).
    public static func gainAndLift(_ rows: ScoredRows, steps: Int = 10) -> [(share: Double, capture: Double, lift: Double)] {
        (1...steps).map { step in
            let share = Double(step) / Double(steps)
            let (lift, capture) = ClassificationMetrics.liftAndCapture(rows, topFraction: share)
            return (share, capture, lift)
        }
    }

    /// Histograms of the scores of each class over `bins` equal-width bins on [min, max].
    public static func scoreDistribution(_ rows: ScoredRows, bins: Int = 20) -> (edges: [Double], negatives: [Double], positives: [Double]) {
        let low = rows.scores.min()!, high = rows.scores.max()!
        let width = high > low ? (high - low) / Double(bins) : 1
        var negatives = [Double](repeating: 0, count: bins), positives = negatives
        for row in rows.scores.indices {
            let bin = min(bins - 1, Int((rows.scores[row] - low) / width))
            if rows.labels[row] == 1 { positives[bin] += rows.weights[row] } else { negatives[bin] += rows.weights[row] }
        }
        return ((0...bins).map { low + Double($0) * width }, negatives, positives)
    }
}
