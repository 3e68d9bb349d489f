import Core
import Foundation

/// Whether a model's raw scores need Platt scaling, decided on held-out evidence: the map is
/// kept only when it lowers the log loss of the rows it is fitted on, judged out of sample, by
/// more than the noise of those rows.
///
/// Judging the map on the rows it was fitted on would always keep it (two parameters fitted
/// to exactly those rows cannot do worse than the fixed map σ(raw) they contain), so the
/// judgement is cross-fitted: the rows are dealt into ``folds`` folds, stratified by label
/// after a seeded shuffle; each fold's probabilities come from a map fitted on the other folds;
/// the log loss of these out-of-fold probabilities is compared with that of the uncalibrated
/// probabilities σ(raw) of the same rows, row by row: the map is kept when the mean per-row gain
/// is positive with one-sided p < ``level`` (a paired z-test; the rows number thousands, so the
/// normal approximation holds). Without the margin, a map that changes nothing measurable
/// would be kept half the time on scores that are already calibrated (train-all's ensemble,
/// whose weights minimise the same log loss, is one: its cross-fitted gain was 0.00002 on
/// 10,000 rows, and on the test rows Platt scaling lost). The map stored when it is kept is
/// the one fitted on all rows. When the rows are too few to cross-fit (fewer than two per fold
/// of each class), the scores stay uncalibrated.
public struct CalibrationChoice: Sendable, Equatable {
    /// The one-sided significance level the log-loss gain must reach.
    public static let level = 0.05

    /// Platt scaling fitted on all rows; it serves only when ``kept``.
    public var platt: PlattScaling
    /// Whether the cross-fitted map lowered the log loss.
    public var kept: Bool
    /// Log loss (natural log, weighted as given) of the uncalibrated probabilities σ(raw).
    public var uncalibratedLogLoss: Double
    /// Log loss of the out-of-fold Platt probabilities of the same rows; NaN when the rows
    /// were too few to cross-fit.
    public var crossFittedLogLoss: Double
    /// One-sided p-value of the mean per-row gain (uncalibrated − cross-fitted log loss) under
    /// no gain; NaN when the rows were too few to cross-fit.
    public var pValue: Double
    /// The number of folds of the cross-fit.
    public var folds: Int
    /// The number of rows judged on.
    public var rows: Int

    /// The calibration to store with the model: Platt scaling when kept, otherwise none (the
    /// model's probability is σ(raw)).
    public var calibration: Calibration? { kept ? .platt(platt) : nil }

    /// The probability served for raw score `rawScore`: calibrated when the map is kept.
    public func probability(rawScore: Double) -> Double {
        kept ? platt.probability(rawScore) : stableLogistic(rawScore)
    }

    /// The decision and the numbers it was made on, in one line for people.
    public var explanation: String {
        guard !crossFittedLogLoss.isNaN else {
            return String(format: "uncalibrated: %d rows are too few to judge Platt scaling by %d-fold cross-fitting", rows, folds)
        }
        return String(format: "%@: %d-fold cross-fitted Platt scaling gives validation log loss %.5f vs %.5f uncalibrated (%d rows, one-sided p %.3g%@)",
                      kept ? "Platt scaling kept" : "left uncalibrated", folds, crossFittedLogLoss, uncalibratedLogLoss, rows, pValue,
                      kept ? " < \(Self.level)" : ", no gain beyond the noise")
    }

    /// Decides for raw scores (log-odds) `rawScores` of rows with 0/1 `labels` and optional
    /// row `weights`. Deterministic for a given `seed`.
    /// - Precondition: equal lengths, at least one row, `folds` ≥ 2.
    public static func choose(rawScores: [Double], labels: [UInt8], weights: [Float]? = nil, folds: Int = 5, seed: UInt64) -> CalibrationChoice {
        precondition(rawScores.count == labels.count && !rawScores.isEmpty && folds >= 2)
        let doubleWeights = weights?.map(Double.init)
        let platt = PlattScaling.fit(scores: rawScores, labels: labels, weights: doubleWeights)
        let uncalibrated = ProbabilityMetrics.logLoss(probabilities: rawScores.map(stableLogistic), labels: labels, weights: weights)
        var choice = CalibrationChoice(platt: platt, kept: false, uncalibratedLogLoss: uncalibrated, crossFittedLogLoss: .nan,
                                       pValue: .nan, folds: folds, rows: rawScores.count)
        guard let fold = stratifiedFolds(labels: labels, folds: folds, seed: seed) else { return choice }
        var outOfFold = [Double](repeating: 0, count: rawScores.count)
        for k in 0..<folds {
            let fitRows = rawScores.indices.filter { fold[$0] != k }
            let map = PlattScaling.fit(scores: fitRows.map { rawScores[$0] }, labels: fitRows.map { labels[$0] },
                                       weights: doubleWeights.map { w in fitRows.map { w[$0] } })
            for row in rawScores.indices where fold[row] == k { outOfFold[row] = map.probability(rawScores[row]) }
        }
        choice.crossFittedLogLoss = ProbabilityMetrics.logLoss(probabilities: outOfFold, labels: labels, weights: weights)
        choice.pValue = pairedGainPValue(rawScores: rawScores, outOfFold: outOfFold, labels: labels, weights: weights)
        choice.kept = choice.crossFittedLogLoss < uncalibrated && choice.pValue < level
        return choice
    }

    /// One-sided p-value that the per-row log-loss gain of `outOfFold` over σ(raw) has a
    /// positive mean (``ProbabilityMetrics/pairedLogLossGainPValue(before:after:labels:weights:)``).
    static func pairedGainPValue(rawScores: [Double], outOfFold: [Double], labels: [UInt8], weights: [Float]?) -> Double {
        ProbabilityMetrics.pairedLogLossGainPValue(before: rawScores.map(stableLogistic), after: outOfFold, labels: labels, weights: weights)
    }

    /// Each row's fold, `0..<folds`: each class shuffled with `seed` and dealt round-robin, so
    /// every fold holds nearly the same share of each class. `nil` when a class has fewer
    /// than two rows per fold.
    static func stratifiedFolds(labels: [UInt8], folds: Int, seed: UInt64) -> [Int]? {
        var random = SeededGenerator(seed: seed)
        var fold = [Int](repeating: 0, count: labels.count)
        for label: UInt8 in [0, 1] {
            var rows = labels.indices.filter { labels[$0] == label }
            guard rows.count >= 2 * folds else { return nil }
            random.shuffle(&rows)
            for (position, row) in rows.enumerated() { fold[row] = position % folds }
        }
        return fold
    }
}
