/// Ways to turn scores into decisions: a threshold t (predict positive when score ≥ t)
/// chosen on validation rows by one of several criteria. Candidates are the distinct scores,
/// so a threshold never splits tied rows.
public enum ThresholdChoice {
    /// The threshold with the largest F1 (ties: the higher threshold).
    public static func maximumF1(_ rows: ScoredRows) -> Double {
        best(rows) { tp, fp in
            let fn = rows.positiveWeight - tp
            return tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0
        }
    }

    /// The threshold with the largest Youden's J = TPR − FPR.
    public static func youdenJ(_ rows: ScoredRows) -> Double {
        best(rows) { tp, fp in
            (rows.positiveWeight > 0 ? tp / rows.positiveWeight : 0) - (rows.negativeWeight > 0 ? fp / rows.negativeWeight : 0)
        }
    }

    /// The threshold with the smallest expected cost `falsePositiveCost·FP + falseNegativeCost·FN`
    /// (e.g. the cost of calling a lead that does not convert against the margin lost on a
    /// missed conversion).
    public static func minimumExpectedCost(_ rows: ScoredRows, falsePositiveCost: Double, falseNegativeCost: Double) -> Double {
        best(rows) { tp, fp in -(falsePositiveCost * fp + falseNegativeCost * (rows.positiveWeight - tp)) }
    }

    /// The threshold that predicts positive for (about) the top `fraction` of rows — a
    /// capacity limit, such as how many leads the agents can call. The lowest distinct score
    /// still inside the top ⌈fraction·n⌉ rows.
    public static func topCapacity(_ rows: ScoredRows, fraction: Double) -> Double {
        rows.scores[rows.topRowCount(fraction) - 1]
    }

    /// The candidate score maximising `objective(truePositiveWeight, falsePositiveWeight)`.
    private static func best(_ rows: ScoredRows, _ objective: (Double, Double) -> Double) -> Double {
        var bestValue = -Double.infinity, bestThreshold = Double.infinity
        for point in rows.cumulativeCounts() {
            let value = objective(point.truePositive, point.falsePositive)
            if value > bestValue { bestValue = value; bestThreshold = point.threshold }
        }
        return bestThreshold
    }
}

/// Lead quality levels from score cut-offs chosen on validation data: the top
/// `shares[0]` of validation scores are High, the next `shares[1]` Medium, the next
/// `shares[2]` Low, the rest Very Low. Stored in the artifact so that serving and batch
/// scoring label leads the same way.
public struct QualityLevels: Codable, Sendable, Equatable {
    public static let names = ["High", "Medium", "Low", "Very Low"]
    /// Minimum score of High, Medium and Low, decreasing.
    public var cutoffs: [Double]

    public init(cutoffs: [Double]) {
        precondition(cutoffs.count == 3 && cutoffs[0] >= cutoffs[1] && cutoffs[1] >= cutoffs[2], "three decreasing cut-offs")
        self.cutoffs = cutoffs
    }

    /// Cut-offs from validation scores: defaults High = top 10 %, Medium = next 20 %, Low =
    /// next 30 % (Very Low = the remaining 40 %).
    public static func fit(_ rows: ScoredRows, shares: [Double] = [0.1, 0.2, 0.3]) -> QualityLevels {
        precondition(shares.count == 3 && shares.allSatisfy { $0 > 0 } && shares.reduce(0, +) < 1)
        var cumulative = 0.0
        let cutoffs = shares.map { share -> Double in
            cumulative += share
            return ThresholdChoice.topCapacity(rows, fraction: cumulative)
        }
        return QualityLevels(cutoffs: cutoffs)
    }

    /// The level of a score: "High", "Medium", "Low" or "Very Low".
    public func level(_ score: Double) -> String {
        for (index, cutoff) in cutoffs.enumerated() where score >= cutoff { return Self.names[index] }
        return Self.names[3]
    }
}
