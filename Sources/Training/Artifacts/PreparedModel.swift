import Core

/// A ``TrainedModel`` made ready for many small scoring calls (a service scoring one lead at a
/// time): tree ensembles are flattened once here instead of on every call, recursively inside
/// ensembles. Scores equal ``TrainedModel/rawScores(_:threads:)`` bit for bit.
public final class PreparedModel: Sendable {
    public let model: TrainedModel
    /// ``TrainedModel/expectedRawScore``, computed once (the bias of the contributions).
    public let expectedRawScore: Double
    private let scorer: Scorer

    private enum Scorer: Sendable {
        case trees(TreeEnsemblePredictor, [ModelFeature], TreeExplainer)
        case logistic(LogisticModel)
        case ensemble(weights: [Double], members: [PreparedModel])
    }

    public init(_ model: TrainedModel) {
        self.model = model
        self.expectedRawScore = model.expectedRawScore
        switch model {
        case .gbdt(let trees):
            scorer = .trees(TreeEnsemblePredictor(trees: trees.trees, initialScore: trees.initialScore), trees.features,
                            TreeExplainer(trees: trees.trees, featureCount: trees.features.count))
        case .logistic(let linear):
            scorer = .logistic(linear)
        case .ensemble(let ensemble):
            let active = ensemble.members.filter { $0.weight != 0 }
            scorer = .ensemble(weights: active.map(\.weight), members: active.map { PreparedModel($0.model) })
        }
    }

    /// Raw scores (log-odds) of every row of `dataset` (columns found by name).
    public func rawScores(_ dataset: Dataset, threads: Int = 1) throws -> [Double] {
        switch scorer {
        case .trees(let predictor, let features, _):
            return predictor.rawScores(try dataset.aligned(to: features), threads: threads)
        case .logistic(let linear):
            return try linear.rawScores(dataset, threads: threads)
        case .ensemble(let weights, let members):
            return EnsembleModel.combine(try members.map { try $0.rawScores(dataset, threads: threads) }, weights: weights)
        }
    }

    /// The raw scores of an ensemble's members (weight > 0) with their weights; `nil` for a
    /// single model. For judging how much the members agree.
    public func memberRawScores(_ dataset: Dataset, threads: Int = 1) throws -> (weights: [Double], scores: [[Double]])? {
        guard case .ensemble(let weights, let members) = scorer else { return nil }
        return (weights, try members.map { try $0.rawScores(dataset, threads: threads) })
    }

    /// Whether ``rawScore(row:)`` and ``contributions(row:to:)`` apply: a tree model, whose
    /// rows are plain float vectors.
    public var scoresRows: Bool {
        if case .trees = scorer { return true }
        return false
    }

    /// The raw score of one row of a tree model, given as values in ``TrainedModel/features``
    /// order (category codes of the model's dictionaries as floats; NaN or negative codes for
    /// missing and unseen). Allocation-free. Precondition: ``scoresRows``.
    public func rawScore(row: UnsafePointer<Float>) -> Double {
        guard case .trees(let predictor, _, _) = scorer else { preconditionFailure("rawScore(row:) needs a tree model") }
        return predictor.rawScore(row: row)
    }

    /// The raw scores of `count` rows laid out one after another (`width` values each, as for
    /// ``rawScore(row:)``), written to `scores`: each bit for bit what ``rawScore(row:)`` gives,
    /// but rows walk the trees eight at a time. Precondition: ``scoresRows``.
    public func rawScores(rows: UnsafePointer<Float>, count: Int, width: Int, into scores: UnsafeMutablePointer<Double>) {
        guard case .trees(let predictor, _, _) = scorer else { preconditionFailure("rawScores(rows:) needs a tree model") }
        predictor.rawScores(rows: rows, count: count, featureCount: width, into: scores)
    }

    /// Adds one row's TreeSHAP contributions (one per feature) to `phi`. Precondition:
    /// ``scoresRows``.
    public func contributions(row: UnsafePointer<Float>, to phi: UnsafeMutablePointer<Double>) {
        guard case .trees(_, _, let explainer) = scorer else { preconditionFailure("contributions(row:to:) needs a tree model") }
        explainer.addContributions(row: row, to: phi)
    }

    /// Per-row, per-feature contributions (see ``TrainedModel/contributions(_:threads:)``).
    public func contributions(_ dataset: Dataset, threads: Int = 1) throws -> [[Double]] {
        try model.contributions(dataset, threads: threads)
    }
}
