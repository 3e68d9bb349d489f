import Core
import Foundation
import Training

/// train-all's decisions on small tables, from out-of-fold predictions instead of one
/// validation split (issue #24). Below ``TrainAllConfiguration/crossFitBelow`` rows, a 20 %
/// validation split holds a few hundred rows, and its noise is larger than the gaps between
/// the candidates it is asked to choose among. So the training and validation rows become one
/// development set: every candidate is tuned and fitted on it, and each development row gets
/// the score of the candidate's configuration fitted without that row's fold (k-fold,
/// stratified, seeded). Those out-of-fold scores then stand in for the validation scores
/// everywhere: the ensemble's weights, the served model's choice, calibration and quality
/// levels. The test rows stay held out for the report, as before.
///
/// A fold's model is the candidate's configuration as chosen — a tree model's parameters and
/// number of rounds, the baseline's C and SMOTE (``TrainAllRefit/refit(_:on:members:threads:)``,
/// the refit that later fits the shipped models on all rows). The configuration itself was
/// chosen by cross-validation on the same rows, so out-of-fold scores are a little optimistic
/// for the candidates that were tuned; they are not fitted on the row they score.
enum TrainAllCrossFit {
    /// Folds of the out-of-fold predictions.
    static let folds = 5

    /// The stratified folds of `development` for seed `seed`.
    static func folds(of development: Dataset, seed: UInt64) -> [[Int]] {
        StratifiedSplit.kFold(labels: development.labels, k: folds, seed: seed)
    }

    /// `candidate`'s out-of-fold raw scores on `development`, in its row order: row r scored by
    /// the configuration fitted on every fold but r's. Ensembles are combined from their
    /// members' out-of-fold scores by the caller.
    static func outOfFold(_ candidate: CandidateModel, on development: Dataset, folds: [[Int]], threads: Int) throws -> [Double] {
        var scores = [Double](repeating: .nan, count: development.rowCount)
        for fold in folds {
            let fitted = try TrainAllRefit.refit(candidate, on: development.rows(StratifiedSplit.complement(of: fold, rowCount: development.rowCount)),
                                                 members: [:], threads: threads)
            for (row, score) in zip(fold, try fitted.model.rawScores(development.rows(fold), threads: threads)) { scores[row] = score }
        }
        return scores
    }
}
