import Core
import Evaluation

/// Any model mlctl trains, as a bundle holds it: one interface to score, explain and describe
/// it, whatever its kind.
public indirect enum TrainedModel: Sendable, Equatable {
    case gbdt(GBDTModel)
    case logistic(LogisticModel)
    case ensemble(EnsembleModel)

    /// The `modelKind` of the bundle manifest.
    public var kind: String {
        switch self {
        case .gbdt: "gbdt"
        case .logistic: "logistic"
        case .ensemble: "ensemble"
        }
    }

    /// The input columns the model reads, in order.
    public var features: [ModelFeature] {
        switch self {
        case .gbdt(let model): model.features
        case .logistic(let model): model.features
        case .ensemble(let model): model.features
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
        case .ensemble(let model): try model.rawScores(dataset, threads: threads)
        }
    }

    /// Probabilities of label 1.
    public func probabilities(_ dataset: Dataset, threads: Int = defaultThreadCount) throws -> [Double] {
        try rawScores(dataset, threads: threads).map { Core.logistic($0) }
    }

    /// Per-row, per-feature contributions in log-odds (TreeSHAP for trees, centred
    /// coefficient × value for the linear model); with ``expectedRawScore`` they add up to the
    /// raw score.
    public func contributions(_ dataset: Dataset, threads: Int = defaultThreadCount) throws -> [[Double]] {
        switch self {
        case .gbdt(let model): try model.contributions(dataset, threads: threads)
        case .logistic(let model): try model.contributions(dataset, threads: threads)
        case .ensemble(let model): try model.contributions(dataset, threads: threads)
        }
    }

    /// The bias of ``contributions(_:threads:)``.
    public var expectedRawScore: Double {
        switch self {
        case .gbdt(let model): model.expectedRawScore
        case .logistic(let model): model.expectedRawScore
        case .ensemble(let model): model.expectedRawScore
        }
    }

    /// Per-feature importance: total split gain for trees, Σ |β|·sd for the linear model.
    public var featureImportance: [Double] {
        switch self {
        case .gbdt(let model): model.featureImportance(byGain: true)
        case .logistic(let model): model.featureImportance()
        case .ensemble(let model): model.featureImportance
        }
    }

    /// What ``featureImportance`` measures, in words for a report's axis.
    public var importanceMeasure: String {
        switch self {
        case .gbdt: "total gain"
        case .logistic: "|coefficient| × sd"
        case .ensemble: "weighted share of each member's importance"
        }
    }
}

/// JSON form: `{"kind": "gbdt" | "logistic" | "ensemble", "model": {...}}` (used inside ensembles;
/// a bundle's own model.json holds the model object alone, its kind in the manifest).
extension TrainedModel: Codable {
    private enum CodingKeys: String, CodingKey { case kind, model }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "gbdt": self = .gbdt(try container.decode(GBDTModel.self, forKey: .model))
        case "logistic": self = .logistic(try container.decode(LogisticModel.self, forKey: .model))
        case "ensemble": self = .ensemble(try container.decode(EnsembleModel.self, forKey: .model))
        case let other: throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown model kind '\(other)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .gbdt(let model): try container.encode(model, forKey: .model)
        case .logistic(let model): try container.encode(model, forKey: .model)
        case .ensemble(let model): try container.encode(model, forKey: .model)
        }
    }
}
