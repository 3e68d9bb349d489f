/// Any model mlctl trains, as a bundle holds it: one interface to score, explain and describe
/// it, whatever its kind.
public enum TrainedModel: Sendable, Equatable {
    case gbdt(GBDTModel)
    case logistic(LogisticModel)

    /// The `modelKind` of the bundle manifest.
    public var kind: String {
        switch self {
        case .gbdt: "gbdt"
        case .logistic: "logistic"
        }
    }

    /// The input columns the model reads, in order.
    public var features: [ModelFeature] {
        switch self {
        case .gbdt(let model): model.features
        case .logistic(let model): model.features
        }
    }

    /// The tree model, if this is one.
    public var gbdt: GBDTModel? {
        if case .gbdt(let model) = self { return model }
        return nil
    }

    /// Raw scores (log-odds) of every row of `dataset` (columns found by name).
    public func rawScores(_ dataset: Dataset, threads: Int = defaultThreadCount) throws -> [Double] {
        switch self {
        case .gbdt(let model): try model.rawScores(dataset, threads: threads)
        case .logistic(let model): try model.rawScores(dataset, threads: threads)
        }
    }

    /// Probabilities of label 1.
    public func probabilities(_ dataset: Dataset, threads: Int = defaultThreadCount) throws -> [Double] {
        try rawScores(dataset, threads: threads).map { Training.logistic($0) }
    }

    /// Per-row, per-feature contributions in log-odds (TreeSHAP for trees, centred
    /// coefficient × value for the linear model); with ``expectedRawScore`` they add up to the
    /// raw score.
    public func contributions(_ dataset: Dataset, threads: Int = defaultThreadCount) throws -> [[Double]] {
        switch self {
        case .gbdt(let model): try model.contributions(dataset, threads: threads)
        case .logistic(let model): try model.contributions(dataset, threads: threads)
        }
    }

    /// The bias of ``contributions(_:threads:)``.
    public var expectedRawScore: Double {
        switch self {
        case .gbdt(let model): model.expectedRawScore
        case .logistic(let model): model.expectedRawScore
        }
    }

    /// Per-feature importance: total split gain for trees, Σ |β|·sd for the linear model.
    public var featureImportance: [Double] {
        switch self {
        case .gbdt(let model): model.featureImportance(byGain: true)
        case .logistic(let model): model.featureImportance()
        }
    }
}
