/// Metrics of scores against 0/1 labels, with the same definitions as scikit-learn where it
/// has them (checked against its values on fixtures by `scripts/fixtures/make_metric_fixtures.py`).
/// Undefined values (a single class present) are NaN, never a crash or a silent number.
public enum ClassificationMetrics {
    /// Average precision: Σₙ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds from the highest score,
    /// as scikit-learn's `average_precision_score` (no interpolation).
    public static func averagePrecision(_ rows: ScoredRows) -> Double {
        guard rows.positiveWeight > 0 else { return .nan }
        var previousRecall = 0.0, total = 0.0
        for point in rows.cumulativeCounts() {
            let recall = point.truePositive / rows.positiveWeight
            let predicted = point.truePositive + point.falsePositive
            let precision = predicted > 0 ? point.truePositive / predicted : 0
            total += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return total
    }

    /// Area under the precision–recall curve by the trapezoidal rule, over the points of
    /// scikit-learn's `precision_recall_curve` (thresholds down to the first one reaching full
    /// recall, plus the point recall 0, precision 1).
    public static func precisionRecallAUC(_ rows: ScoredRows) -> Double {
        guard rows.positiveWeight > 0 else { return .nan }
        var previousRecall = 0.0, previousPrecision = 1.0, area = 0.0
        for point in rows.cumulativeCounts() {
            let predicted = point.truePositive + point.falsePositive
            let recall = point.truePositive / rows.positiveWeight, precision = predicted > 0 ? point.truePositive / predicted : 1
            area += (recall - previousRecall) * (precision + previousPrecision) / 2
            previousRecall = recall
            previousPrecision = precision
            if point.truePositive >= rows.positiveWeight { break }
        }
        return area
    }

    /// Mean squared difference between probability and label (weighted).
    public static func brierScore(_ rows: ScoredRows) -> Double {
        var total = 0.0, weight = 0.0
        for row in rows.scores.indices {
            let difference = rows.scores[row] - Double(rows.labels[row])
            total += rows.weights[row] * difference * difference
            weight += rows.weights[row]
        }
        return weight > 0 ? total / weight : .nan
    }

    /// Weighted confusion counts when a row is predicted positive if its score ≥ `threshold`.
    public struct Confusion: Equatable, Sendable {
        public var trueNegative = 0.0, falsePositive = 0.0, falseNegative = 0.0, truePositive = 0.0
        public var accuracy: Double { (truePositive + trueNegative) / (truePositive + trueNegative + falsePositive + falseNegative) }
        /// 0 when nothing is predicted positive (scikit-learn's `zero_division=0`).
        public var precision: Double { truePositive + falsePositive > 0 ? truePositive / (truePositive + falsePositive) : 0 }
        public var recall: Double { truePositive + falseNegative > 0 ? truePositive / (truePositive + falseNegative) : 0 }
        public var specificity: Double { trueNegative + falsePositive > 0 ? trueNegative / (trueNegative + falsePositive) : 0 }
        public var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }
    }

    public static func confusion(_ rows: ScoredRows, threshold: Double) -> Confusion {
        var c = Confusion()
        for row in rows.scores.indices {
            let w = rows.weights[row]
            switch (rows.scores[row] >= threshold, rows.labels[row] == 1) {
            case (true, true): c.truePositive += w
            case (true, false): c.falsePositive += w
            case (false, true): c.falseNegative += w
            case (false, false): c.trueNegative += w
            }
        }
        return c
    }

    /// Kolmogorov–Smirnov statistic: the largest gap between the (weighted) score
    /// distribution functions of positives and negatives.
    public static func ksStatistic(_ rows: ScoredRows) -> Double {
        guard rows.positiveWeight > 0 && rows.negativeWeight > 0 else { return .nan }
        var best = 0.0
        for point in rows.cumulativeCounts() {
            best = max(best, abs(point.truePositive / rows.positiveWeight - point.falsePositive / rows.negativeWeight))
        }
        return best
    }

    /// Capture rate and lift of the top `fraction` of rows by score (ties in row order):
    /// capture = positive weight among them / all positive weight; lift = capture / (rows
    /// taken / all rows). The top takes ⌈fraction · n⌉ rows.
    public static func liftAndCapture(_ rows: ScoredRows, topFraction fraction: Double) -> (lift: Double, capture: Double) {
        guard rows.positiveWeight > 0, fraction > 0 else { return (.nan, .nan) }
        let n = rows.scores.count
        let taken = rows.topRowCount(fraction)
        var captured = 0.0
        for row in 0..<taken where rows.labels[row] == 1 { captured += rows.weights[row] }
        let capture = captured / rows.positiveWeight
        return (capture / (Double(taken) / Double(n)), capture)
    }

    /// Expected calibration error over `bins` equal-width bins on [0, 1] (bin i holds
    /// [i/bins, (i+1)/bins), the last one also 1): Σ (bin weight / total) · |mean score − mean
    /// label|.
    public static func expectedCalibrationError(_ rows: ScoredRows, bins: Int = 10) -> Double {
        let points = Curves.reliability(rows, bins: bins)
        let total = points.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return .nan }
        return points.reduce(0) { $0 + $1.weight / total * abs($1.meanPredicted - $1.observedRate) }
    }
}
