import Core
import Evaluation
import Foundation
import Tuning

/// How `mlctl train --algorithm logistic` fits its model.
public struct LogisticParameters: Codable, Sendable, Equatable {
    /// Inverse regularisation strength, as scikit-learn's `C`.
    public var C = 1.0
    public var penalty: Penalty = .l2
    /// The L1 share ρ of an elastic-net penalty.
    public var l1Ratio = 0.5
    /// Weight classes inversely to their frequency (scikit-learn's `class_weight="balanced"`,
    /// computed on the rows being fitted, after SMOTE).
    public var balanced = false
    /// Oversample the minority class with SMOTE (SMOTE-NC when there are categorical inputs).
    public var smote = false
    public var smoteStrategy: SamplingStrategy = .auto
    public var smoteNeighbours = 5
    public var imputation: LinearPreprocessor.Imputation = .mean
    /// Undo the class-prior shift of SMOTE and balanced weights in the intercept, so that
    /// probabilities match the real base rate (see ``LogisticModel/priorCorrection``).
    public var priorCorrection = true
    public var solver: LogisticSolver = .auto
    /// Stop when the largest gradient component is at most this (scikit-learn's `tol`).
    public var tolerance = 1e-4
    public var maximumIterations = 1000
    public var seed: UInt64 = 0
    /// Worker threads; 0 means all cores. The model does not depend on it.
    public var threads = 0
    /// The thread count in force: `threads`, or every core when it is 0.
    public var effectiveThreads: Int { threads > 0 ? threads : defaultThreadCount }

    /// Everything but `threads` (a setting of the run; the model does not depend on it).
    enum CodingKeys: String, CodingKey {
        case C
        case penalty
        case l1Ratio
        case balanced
        case smote
        case smoteStrategy
        case smoteNeighbours
        case imputation
        case priorCorrection
        case solver
        case tolerance
        case maximumIterations
        case seed
    }

    public init() {}
}

/// A fitted logistic regression with its preprocessing: the artifact of
/// `mlctl train --algorithm logistic`.
///
/// raw score = intercept + priorCorrection + Σⱼ βⱼ xⱼ over the design-matrix columns xⱼ that
/// ``LinearPreprocessor`` makes; probability = σ(raw score).
public struct LogisticModel: Codable, Sendable, Equatable {
    public var preprocessor: LinearPreprocessor
    /// One coefficient per design-matrix column (``LinearPreprocessor/outputNames``).
    public var coefficients: [Double]
    public var intercept: Double
    /// logit(π) − logit(π′), where π is the weighted positive rate of the training rows and π′
    /// that of the rows as fitted (after SMOTE and class weights); 0 when neither was used or
    /// the correction was turned off.
    ///
    /// Why prior correction rather than calibration on held-out data: it needs no data beyond
    /// the training fold (SMOTE runs inside training folds only), it is exact for a
    /// well-specified logistic model (the resampling changes only the intercept), and it leaves
    /// the ranking — and so ROC-AUC — untouched. `train-all` still calibrates every model on
    /// validation data afterwards.
    public var priorCorrection: Double
    /// Means and population standard deviations of the design-matrix columns over the training
    /// rows (synthetic rows excluded): the reference point of contributions and the scale of
    /// feature importance.
    public var columnMeans: [Double]
    public var columnDeviations: [Double]
    public var parameters: LogisticParameters
    public var iterations: Int
    public var converged: Bool
    /// Rows fitted: training rows plus synthetic SMOTE rows.
    public var fittedRows: Int

    /// The input columns the model reads, in order.
    public var features: [ModelFeature] { preprocessor.features }

    /// Raw scores (log-odds) of every row of `dataset` (columns found by name).
    public func rawScores(_ dataset: Dataset, threads: Int = defaultThreadCount) throws(PreprocessingError) -> [Double] {
        let x = try preprocessor.transform(dataset)
        let offset = intercept + priorCorrection, p = x.columnCount
        var scores = [Double](repeating: offset, count: x.rowCount)
        x.values.withUnsafeBufferPointer { matrix in
            coefficients.withUnsafeBufferPointer { beta in
                for i in 0..<x.rowCount {
                    var sum = offset
                    for j in 0..<p { sum += beta[j] * matrix[i * p + j] }
                    scores[i] = sum
                }
            }
        }
        return scores
    }

    /// Probabilities of label 1.
    public func probabilities(_ dataset: Dataset, threads: Int = defaultThreadCount) throws(PreprocessingError) -> [Double] {
        try rawScores(dataset, threads: threads).map(logistic)
    }

    /// The expected raw score over the training rows: the bias that contributions add to.
    public var expectedRawScore: Double {
        intercept + priorCorrection + zip(coefficients, columnMeans).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Per-row, per-input-feature contributions in log-odds: for each design column,
    /// βⱼ (xⱼ − meanⱼ) — the coefficient times the standardised value, centred on the training
    /// rows — summed over the columns an input makes (one-hot block, missing indicator). This
    /// is the exact SHAP value of a linear model with independent features, and
    /// ``expectedRawScore`` + Σ contributions = the raw score.
    public func contributions(_ dataset: Dataset, threads: Int = defaultThreadCount) throws(PreprocessingError) -> [[Double]] {
        let x = try preprocessor.transform(dataset)
        let owners = preprocessor.outputOwners, featureCount = features.count
        return (0..<x.rowCount).map { i in
            var phi = [Double](repeating: 0, count: featureCount)
            for j in 0..<x.columnCount { phi[owners[j]] += coefficients[j] * (x[i, j] - columnMeans[j]) }
            return phi
        }
    }

    /// Per input feature: Σ |βⱼ| · sdⱼ over its design columns — the log-odds change of one
    /// standard deviation, the linear analogue of the trees' total gain.
    public func featureImportance() -> [Double] {
        var importance = [Double](repeating: 0, count: features.count)
        for (j, owner) in preprocessor.outputOwners.enumerated() { importance[owner] += abs(coefficients[j]) * columnDeviations[j] }
        return importance
    }
}

/// Fits ``LogisticModel``s: preprocessing on the training rows, SMOTE, class weights, the
/// solver, and the prior correction.
public enum LogisticTrainer {
    /// The random stream of SMOTE, derived from the run seed ("SMOT").
    static let smoteStream: UInt64 = 0x534D_4F54

    /// Trains on `data` (labels required; sample weights used when present).
    /// - Throws: ``PreprocessingError``, ``SMOTEError`` or ``LogisticRegressionError`` with a
    ///   message for the user.
    public static func train(_ data: Dataset, parameters: LogisticParameters) throws -> LogisticModel {
        let threads = parameters.effectiveThreads
        guard data.rowCount > 0 else { throw LogisticRegressionError(message: "logistic regression: no training rows") }
        let positives = data.positiveCount
        guard positives > 0 && positives < data.rowCount else {
            throw LogisticRegressionError(message: "logistic regression: the training labels hold one class only (\(positives) of \(data.rowCount) rows are 1); a classifier needs both")
        }
        let preprocessor = try LinearPreprocessor.fit(data, imputation: parameters.imputation)
        let parts = try preprocessor.parts(data)
        let original = preprocessor.designMatrix(parts)
        let sampleWeights = data.weights.map { $0.map(Double.init) } ?? [Double](repeating: 1, count: data.rowCount)

        var x = original, labels = data.labels, weights = sampleWeights
        if parameters.smote {
            let levelCounts = preprocessor.categorical.map { $0.levels.count + ($0.missingLevel ? 1 : 0) }
            let synthetic = try SMOTE.samples(continuous: parts.continuous, levels: parts.levels, levelCounts: levelCounts, labels: data.labels,
                                              k: parameters.smoteNeighbours, strategy: parameters.smoteStrategy,
                                              random: SeededGenerator(seed: parameters.seed).derived(smoteStream), threads: threads)
            let count = synthetic.continuous.rowCount
            x = original.appending(preprocessor.designMatrix(.init(continuous: synthetic.continuous, levels: synthetic.levels)))
            labels += [UInt8](repeating: synthetic.label, count: count)
            // Synthetic rows weigh as much as an average row of their class.
            let classRows = data.labels.indices.filter { data.labels[$0] == synthetic.label }
            let classWeight = classRows.reduce(0.0) { $0 + sampleWeights[$1] } / Double(max(1, classRows.count))
            weights += [Double](repeating: classWeight, count: count)
        }
        if parameters.balanced {
            // n / (2 n_c), on the rows being fitted, as scikit-learn's class_weight="balanced".
            let fittedPositives = labels.reduce(0) { $0 + Int($1) }
            let n = Double(labels.count)
            let positiveFactor = n / (2 * Double(fittedPositives)), negativeFactor = n / (2 * Double(labels.count - fittedPositives))
            for i in weights.indices { weights[i] *= labels[i] == 1 ? positiveFactor : negativeFactor }
        }
        let fit = try LogisticRegression.fit(x: x, labels: labels, weights: weights, C: parameters.C, penalty: parameters.penalty,
                                             l1Ratio: parameters.l1Ratio, solver: parameters.solver, tolerance: parameters.tolerance,
                                             maximumIterations: parameters.maximumIterations, threads: threads)
        var correction = 0.0
        if parameters.priorCorrection && (parameters.smote || parameters.balanced) {
            correction = logit(positiveRate(data.labels, sampleWeights)) - logit(positiveRate(labels, weights))
        }
        let (means, deviations) = columnMoments(original)
        return LogisticModel(preprocessor: preprocessor, coefficients: fit.coefficients, intercept: fit.intercept, priorCorrection: correction,
                             columnMeans: means, columnDeviations: deviations, parameters: parameters, iterations: fit.iterations,
                             converged: fit.converged, fittedRows: x.rowCount)
    }

    private static func positiveRate(_ labels: [UInt8], _ weights: [Double]) -> Double {
        var positive = 0.0, total = 0.0
        for (label, weight) in zip(labels, weights) { total += weight; if label == 1 { positive += weight } }
        return positive / total
    }

    private static func columnMoments(_ x: DenseMatrix) -> (means: [Double], deviations: [Double]) {
        let n = Double(max(1, x.rowCount)), p = x.columnCount
        var means = [Double](repeating: 0, count: p), squares = [Double](repeating: 0, count: p)
        for i in 0..<x.rowCount { for j in 0..<p { means[j] += x[i, j] } }
        for j in 0..<p { means[j] /= n }
        for i in 0..<x.rowCount { for j in 0..<p { let d = x[i, j] - means[j]; squares[j] += d * d } }
        return (means, squares.map { ($0 / n).squareRoot() })
    }
}
