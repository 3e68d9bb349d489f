import Evaluation
import Foundation

/// What a retrained version did against the current one on the same recent holdout: the
/// numbers ``RetrainPolicy`` decides on, and that the decision record keeps.
public struct RetrainEvidence: Sendable, Equatable {
    /// One vertical's AUCs on its holdout rows.
    public struct Vertical: Sendable, Equatable {
        public var name: String
        public var rows: Int
        public var positives: Int
        public var currentAUC: Double
        public var newAUC: Double
        /// DeLong's one-sided p-value for "the new version is worse here"; NaN when undefined.
        public var worseOneSidedPValue: Double
    }

    public var holdoutRows: Int
    public var holdoutPositives: Int
    public var currentAUC: Double
    public var newAUC: Double
    /// DeLong's z for new − current, and its one-sided p-value for "new is better".
    public var delongZ: Double
    public var betterOneSidedPValue: Double
    public var currentLogLoss: Double
    public var newLogLoss: Double
    /// Paired z-test of the per-row log losses, one-sided p for "new is worse".
    public var logLossWorseOneSidedPValue: Double
    public var currentCalibrationError: Double
    public var newCalibrationError: Double
    public var verticals: [Vertical]

    /// Compares `current` and `new` probabilities on the same holdout rows (`labels`, and the
    /// vertical of each row).
    public init(current: [Double], new: [Double], labels: [UInt8], verticals rowVerticals: [String]) throws {
        holdoutRows = labels.count
        holdoutPositives = labels.reduce(0) { $0 + Int($1) }
        let test = DeLongTest.compare(new, current, labels: labels)
        currentAUC = RankingMetrics.rocAUC(scores: current, labels: labels)
        newAUC = RankingMetrics.rocAUC(scores: new, labels: labels)
        delongZ = test?.z ?? .nan
        betterOneSidedPValue = test.map { 1 - Distributions.normalCDF($0.z) } ?? .nan
        currentLogLoss = ProbabilityMetrics.logLoss(probabilities: current, labels: labels)
        newLogLoss = ProbabilityMetrics.logLoss(probabilities: new, labels: labels)
        // "New is worse" is "current gains over new".
        logLossWorseOneSidedPValue = ProbabilityMetrics.pairedLogLossGainPValue(before: new, after: current, labels: labels)
        currentCalibrationError = ClassificationMetrics.expectedCalibrationError(try ScoredRows(scores: current, labels: labels))
        newCalibrationError = ClassificationMetrics.expectedCalibrationError(try ScoredRows(scores: new, labels: labels))
        var verticals: [Vertical] = []
        for name in Set(rowVerticals).sorted() {
            let rows = rowVerticals.indices.filter { rowVerticals[$0] == name }
            let l = rows.map { labels[$0] }, c = rows.map { current[$0] }, n = rows.map { new[$0] }
            let pair = DeLongTest.compare(n, c, labels: l)
            verticals.append(Vertical(name: name, rows: rows.count, positives: l.reduce(0) { $0 + Int($1) },
                                      currentAUC: RankingMetrics.rocAUC(scores: c, labels: l), newAUC: RankingMetrics.rocAUC(scores: n, labels: l),
                                      worseOneSidedPValue: pair.map { Distributions.normalCDF($0.z) } ?? .nan))
        }
        self.verticals = verticals
    }
}

/// What the retraining loop does with a new version.
public enum RetrainDecision: String, Sendable {
    /// Significantly better, and worse nowhere measured: it becomes current.
    case promote
    /// Better on the holdout but not significantly, and worse nowhere: a canary gathers live evidence.
    case canary
    /// Not better, or worse somewhere: the current version stays.
    case keep
}

/// The promotion rule of the retraining loop, on ``RetrainEvidence``. It never promotes a
/// version whose holdout AUC is not above the current one's, that is significantly worse on a
/// vertical, or whose log loss is significantly worse (a model that ranks well but whose
/// probabilities are off would mislead every threshold and quality level).
public struct RetrainPolicy: Sendable, Equatable {
    /// One-sided significance level of each test.
    public var alpha = 0.05
    /// Conversions a vertical needs on the holdout before it can veto (fewer: its AUC is noise).
    public var minimumVerticalPositives = 30
    /// Whether an insignificant gain starts a canary (else the current version stays).
    public var canaryOnInsignificantGain = true

    public init() {}

    /// The decision and one sentence per fact it rests on.
    public func decide(_ e: RetrainEvidence) -> (RetrainDecision, [String]) {
        var reasons = [String(format: "holdout of %d recent leads (%d conversions): AUC %.4f new against %.4f current (DeLong z %.2f, one-sided p %.3g)",
                              e.holdoutRows, e.holdoutPositives, e.newAUC, e.currentAUC, e.delongZ, e.betterOneSidedPValue)]
        reasons.append(String(format: "log loss %.5f new against %.5f current (paired one-sided p that it is worse %.3g); calibration error %.4f against %.4f",
                              e.newLogLoss, e.currentLogLoss, e.logLossWorseOneSidedPValue, e.newCalibrationError, e.currentCalibrationError))
        guard e.newAUC.isFinite, e.currentAUC.isFinite else { return (.keep, reasons + ["the holdout has a single class: nothing to compare on"]) }
        if e.newAUC <= e.currentAUC { return (.keep, reasons + ["the new version ranks the holdout no better than the current one: keep the current version"]) }
        let worseVerticals = e.verticals.filter { $0.positives >= minimumVerticalPositives && $0.rows - $0.positives >= minimumVerticalPositives
            && $0.worseOneSidedPValue < alpha }
        if !worseVerticals.isEmpty {
            let names = worseVerticals.map { String(format: "%@ (%.4f against %.4f, p %.3g)", $0.name, $0.newAUC, $0.currentAUC, $0.worseOneSidedPValue) }
            return (.keep, reasons + ["significantly worse on " + names.joined(separator: ", ") + ": keep the current version"])
        }
        if e.logLossWorseOneSidedPValue < alpha {
            return (.keep, reasons + ["its probabilities are significantly worse (log loss): keep the current version"])
        }
        if e.betterOneSidedPValue < alpha {
            return (.promote, reasons + [String(format: "significantly better (p %.3g < %.2f) and worse on no vertical: promote", e.betterOneSidedPValue, alpha)])
        }
        if canaryOnInsignificantGain {
            return (.canary, reasons + ["better, but not significantly on the holdout: a canary gathers live evidence"])
        }
        return (.keep, reasons + ["not significantly better: keep the current version"])
    }
}
