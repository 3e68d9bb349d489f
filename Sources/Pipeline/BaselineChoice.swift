import Core
import Evaluation
import Foundation
import Training

/// The logistic baseline's regularisation and whether it oversamples with SMOTE, chosen by
/// stratified k-fold cross-validation on the training rows instead of fixed (C = 1 with
/// SMOTE, the original system's). Measured on real tables, SMOTE lowered the AUC more often
/// than it raised it (it changes the decision boundary's place, not the ranking, and adds
/// noisy synthetic rows), and the best C varies by orders of magnitude with the table's size.
///
/// The rule, stated in the summary:
/// 1. Every C of ``grid``, with and without SMOTE, is scored by its mean fold AUC (the same
///    folds for all).
/// 2. SMOTE is used only when the best setting with it beats the best without it on the mean
///    by more than one standard error of the paired fold differences.
/// 3. Within the chosen SMOTE setting, the C with the best mean AUC; a tie goes to the smaller
///    C (the stronger regularisation).
///
/// Fits run one per thread, each on one thread, so the choice does not depend on the thread
/// count.
public struct BaselineChoice: Sendable {
    /// The values of C tried: scikit-learn's inverse regularisation strength.
    public static let grid: [Double] = [0.01, 0.1, 1, 10]
    /// Training rows cross-validated at most (every k-th row beyond it, stratification kept by
    /// the folds): the choice needs the curve's shape, not every row, and a fit grows with n.
    public static let maximumRows = 20_000

    public struct Setting: Sendable, Equatable {
        public var C: Double
        public var smote: Bool
        /// AUC on each fold's validation rows.
        public var foldAUC: [Double]
        public var meanAUC: Double { foldAUC.reduce(0, +) / Double(max(1, foldAUC.count)) }
    }

    public var settings: [Setting]
    public var chosen: Setting
    /// The SMOTE decision: mean paired gain of the best SMOTE setting over the best without,
    /// and its standard error.
    public var smoteGain: Double
    public var smoteGainStandardError: Double
    public var folds: Int
    public var rows: Int

    /// One line for the terminal and the summary.
    public var explanation: String {
        "C \(Self.number(chosen.C))\(chosen.smote ? " with SMOTE" : "") by \(folds)-fold CV on \(formatCount(rows)) rows (mean AUC "
            + String(format: "%.4f", chosen.meanAUC) + "); SMOTE \(chosen.smote ? "kept" : "not used"): its gain "
            + String(format: "%+.4f, standard error %.4f", smoteGain, smoteGainStandardError)
    }

    /// `0.01`, `1`, `10`: C as a person writes it.
    static func number(_ value: Double) -> String { String(format: "%g", value) }

    /// Chooses for `train` with `base`'s other settings (seed, imputation, …).
    /// - Throws: what the logistic fit throws (no usable feature, one class).
    public static func choose(train: Dataset, base: LogisticParameters, folds k: Int, seed: UInt64, threads: Int) throws -> BaselineChoice {
        let data = train.rowCount > maximumRows
            ? train.rows(Array(stride(from: 0, to: train.rowCount, by: Int((Double(train.rowCount) / Double(maximumRows)).rounded(.up)))))
            : train
        let folds = StratifiedSplit.kFold(labels: data.labels, k: k, seed: seed)
        let configurations = [false, true].flatMap { smote in grid.map { (C: $0, smote: smote) } }
        let jobs = configurations.indices.flatMap { c in folds.indices.map { (configuration: c, fold: $0) } }
        let aucs = ResultSlots<Result<Double, any Error>>(count: jobs.count)
        parallelFor(jobs.count, threads: max(1, threads)) { j in
            let (c, f) = jobs[j]
            aucs[j] = Result {
                var parameters = base
                parameters.C = configurations[c].C
                parameters.smote = configurations[c].smote
                parameters.threads = 1
                let valid = data.rows(folds[f])
                let model = try LogisticTrainer.train(data.rows(StratifiedSplit.complement(of: folds[f], rowCount: data.rowCount)), parameters: parameters)
                return RankingMetrics.rocAUC(scores: try model.rawScores(valid, threads: 1), labels: valid.labels, weights: valid.weights)
            }
        }
        var settings: [Setting] = []
        for (c, configuration) in configurations.enumerated() {
            let foldAUC = try folds.indices.map { f in try aucs[c * folds.count + f]!.get() }
            settings.append(Setting(C: configuration.C, smote: configuration.smote, foldAUC: foldAUC))
        }
        return decide(settings, folds: folds.count, rows: data.rowCount)
    }

    /// The rule on scored `settings` (each with the same folds' AUCs).
    /// - Precondition: at least one setting with and one without SMOTE.
    static func decide(_ settings: [Setting], folds: Int, rows: Int) -> BaselineChoice {
        // Best per SMOTE setting: the highest mean, ties to the smaller C.
        func best(_ smote: Bool) -> Setting {
            settings.filter { $0.smote == smote }.max { ($0.meanAUC, -$0.C) < ($1.meanAUC, -$1.C) }!
        }
        let plain = best(false), oversampled = best(true)
        let differences = zip(oversampled.foldAUC, plain.foldAUC).map { $0 - $1 }
        let gain = differences.reduce(0, +) / Double(differences.count)
        let variance = differences.reduce(0) { $0 + ($1 - gain) * ($1 - gain) } / Double(max(1, differences.count - 1))
        let standardError = (variance / Double(differences.count)).squareRoot()
        let useSMOTE = gain > 0 && gain > standardError
        return BaselineChoice(settings: settings, chosen: useSMOTE ? oversampled : plain, smoteGain: gain,
                              smoteGainStandardError: standardError, folds: folds, rows: rows)
    }
}
