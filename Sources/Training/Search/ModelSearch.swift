import Core
import Evaluation
import Foundation
import Tuning

/// The metric a search optimises, measured on held-out folds.
public enum SearchMetric: String, CaseIterable, Sendable {
    case rocAUC = "roc_auc", prAUC = "pr_auc", logLoss = "log_loss"

    public var direction: Direction { self == .logLoss ? .minimize : .maximize }

    /// The metric of `probabilities` against `labels` (weighted when `weights` are given).
    public func value(_ probabilities: [Double], labels: [UInt8], weights: [Float]?) -> Double {
        switch self {
        case .rocAUC: return RankingMetrics.rocAUC(scores: probabilities, labels: labels, weights: weights)
        case .logLoss: return ProbabilityMetrics.logLoss(probabilities: probabilities, labels: labels, weights: weights)
        case .prAUC:
            guard let rows = try? ScoredRows(scores: probabilities, labels: labels, weights: weights?.map(Double.init)) else { return .nan }
            return ClassificationMetrics.averagePrecision(rows)
        }
    }

    /// The early-stopping metric that serves this search metric.
    var earlyStopping: EarlyStoppingMetric { self == .logLoss ? .logLoss : .auc }
}

/// Stratified k-fold cross-validation of a training table: the folds are fixed once (by the
/// seed), so every trial of a search is scored on the same splits.
public struct CrossValidation: Sendable {
    public let data: Dataset
    /// Validation rows of each fold.
    public let folds: [[Int]]
    public let metric: SearchMetric
    /// The seed of the fold assignment.
    public let seed: UInt64

    public init(data: Dataset, folds k: Int, metric: SearchMetric, seed: UInt64) {
        self.data = data
        self.folds = StratifiedSplit.kFold(labels: data.labels, k: k, seed: seed)
        self.metric = metric
        self.seed = seed
    }

    /// What a search scored by this cross-validation is measured on, for its ``Study``:
    /// the data's fingerprint, the metric and folds, and `fixed`, the settings the search
    /// holds fixed (a study resumes only when all of these match).
    public func studyContext(fixed: String) -> StudyContext {
        StudyContext(data: data.fingerprint(), evaluation: "\(metric.rawValue), \(folds.count)-fold CV (seed \(seed)); \(fixed)")
    }

    /// Trains with `fit` on each fold's training rows and scores its validation rows; reports
    /// the running mean after each fold (step = folds done, from 1) so a pruner can stop a
    /// poor trial early. Returns the mean over folds.
    ///
    /// With `threads` > 1, the first fold trains alone on all threads, then up to `threads`
    /// folds at once, each on its share of the threads (`fit`'s last argument). A fold's own
    /// training leaves much of a second core idle on tables of tens of thousands of rows (its
    /// parallel loops are short, and waking a worker costs about as much as the work), whereas
    /// whole folds keep both cores busy. The first fold goes alone because pruners most often
    /// stop a trial after it. The folds are still reported in order, so the pruner sees what it
    /// would see with one thread, and the result does not depend on `threads` as long as
    /// `fit`'s does not; a trial pruned after a later fold has wasted the folds trained
    /// alongside it.
    func run(_ trial: TrialContext, threads: Int = 1,
             fit: (_ fold: Int, _ train: Dataset, _ valid: Dataset, _ threads: Int) throws -> [Double]) throws -> Double {
        let together = max(1, min(threads, folds.count))
        var sum = 0.0, start = 0
        while start < folds.count {
            let wave = start..<min(folds.count, start == 0 ? 1 : start + together)
            let foldThreads = max(1, threads / wave.count)
            let outcomes = ResultSlots<Result<(probabilities: [Double], valid: Dataset), any Error>>(count: wave.count)
            parallelFor(wave.count, threads: wave.count) { k in
                let validRows = folds[wave.lowerBound + k]
                let train = data.rows(StratifiedSplit.complement(of: validRows, rowCount: data.rowCount)), valid = data.rows(validRows)
                outcomes[k] = Result { (try fit(wave.lowerBound + k, train, valid, foldThreads), valid) }
            }
            for (k, fold) in wave.enumerated() {
                let (probabilities, valid) = try outcomes[k]!.get()
                sum += metric.value(probabilities, labels: valid.labels, weights: valid.weights)
                try trial.report(sum / Double(fold + 1), step: fold + 1)
            }
            start = wave.upperBound
        }
        return sum / Double(folds.count)
    }
}

/// The standard search spaces of mlctl's models and how a trial's values become parameters.
public enum ModelSearch {
    /// GBDT: the parameters LightGBM users tune first; the number of trees comes from early
    /// stopping on each fold, not from the sampler.
    public static let gbdtSpace = try! SearchSpace([
        Parameter("num_leaves", .int(low: 8, high: 256, log: true)),
        Parameter("learning_rate", .float(low: 0.01, high: 0.3, log: true)),
        Parameter("min_data_in_leaf", .int(low: 5, high: 200, log: true)),
        Parameter("feature_fraction", .float(low: 0.4, high: 1.0)),
        Parameter("bagging_fraction", .float(low: 0.4, high: 1.0)),
        Parameter("lambda_l1", .float(low: 1e-8, high: 10, log: true)),
        Parameter("lambda_l2", .float(low: 1e-8, high: 10, log: true)),
    ])

    /// Logistic regression: regularisation strength and kind (the L1 share only for elastic net).
    public static let logisticSpace = try! SearchSpace([
        Parameter("C", .float(low: 1e-4, high: 100, log: true)),
        Parameter("penalty", .categorical(choices: ["l2", "l1", "elasticnet"])),
        Parameter("l1_ratio", .float(low: 0.05, high: 0.95), when: .init(parent: "penalty", values: ["elasticnet"])),
    ])

    /// `base` with a GBDT trial's values.
    public static func gbdtParameters(_ values: [String: ParameterValue], base: GBDTParameters) -> GBDTParameters {
        var parameters = base
        if case .int(let v)? = values["num_leaves"] { parameters.numLeaves = v }
        if let v = values["learning_rate"]?.double { parameters.learningRate = v }
        if case .int(let v)? = values["min_data_in_leaf"] { parameters.minDataInLeaf = v }
        if let v = values["feature_fraction"]?.double { parameters.featureFraction = v }
        if let v = values["bagging_fraction"]?.double {
            parameters.baggingFraction = v
            parameters.baggingFrequency = v < 1 ? 1 : 0
        }
        if let v = values["lambda_l1"]?.double { parameters.lambdaL1 = v }
        if let v = values["lambda_l2"]?.double { parameters.lambdaL2 = v }
        return parameters
    }

    /// `base` with a logistic trial's values.
    public static func logisticParameters(_ values: [String: ParameterValue], base: LogisticParameters) -> LogisticParameters {
        var parameters = base
        if let v = values["C"]?.double { parameters.C = v }
        if case .categorical(let v)? = values["penalty"] { parameters.penalty = Penalty(rawValue: v)! }
        if let v = values["l1_ratio"]?.double { parameters.l1Ratio = v }
        return parameters
    }

    /// The cross-validated score of a GBDT trial. Each fold trains up to `base.trees` rounds
    /// with early stopping on its validation rows; the mean number of rounds kept is recorded
    /// as the trial attribute `trees` (the refit uses it).
    public static func crossValidateGBDT(_ trial: TrialContext, base: GBDTParameters, cv: CrossValidation) throws -> Double {
        var parameters = gbdtParameters(trial.parameters, base: base)
        parameters.seed = trial.random.seed
        let rounds = ResultSlots<Int>(count: cv.folds.count)
        let value = try cv.run(trial, threads: parameters.effectiveThreads) { fold, train, valid, threads in
            var foldParameters = parameters
            foldParameters.threads = threads  // the trees do not depend on it
            let model = try GBDTTrainer.train(train, parameters: foldParameters, validation: valid, metric: cv.metric.earlyStopping)
            rounds[fold] = model.trees.count
            return try model.probabilities(valid, threads: threads)
        }
        trial.setAttribute("trees", Double(rounds.values.reduce(0, +)) / Double(max(1, rounds.count)))
        return value
    }

    /// The cross-validated score of a logistic trial (SMOTE, if asked for, inside each
    /// training fold only).
    public static func crossValidateLogistic(_ trial: TrialContext, base: LogisticParameters, cv: CrossValidation) throws -> Double {
        var parameters = logisticParameters(trial.parameters, base: base)
        parameters.seed = trial.random.seed
        // One fold at a time: the solver's BLAS calls use the threads themselves.
        return try cv.run(trial) { _, train, valid, _ in
            try LogisticTrainer.train(train, parameters: parameters).probabilities(valid)
        }
    }
}
