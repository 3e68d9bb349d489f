import Foundation

/// A weighted ensemble of trained models, combined in log-odds:
///
///     raw score = Σₘ wₘ · raw scoreₘ(x),   probability = σ(raw score)
///
/// Combining raw scores rather than probabilities keeps explanations exact: contributions
/// are Σₘ wₘ φₘ and the bias Σₘ wₘ E[rawₘ], so they still add up to the raw score. Members
/// read their own columns by name; the ensemble's inputs are the union of theirs.
public struct EnsembleModel: Codable, Sendable, Equatable {
    public struct Member: Codable, Sendable, Equatable {
        public var name: String
        public var weight: Double
        public var model: TrainedModel
        public init(name: String, weight: Double, model: TrainedModel) {
            self.name = name
            self.weight = weight
            self.model = model
        }
    }

    public var members: [Member]
    /// How the weights were chosen (`simplex` or `caruana`).
    public var method: String

    public init(members: [Member], method: String) {
        self.members = members
        self.method = method
    }

    /// The union of the members' input columns, in first-seen order.
    public var features: [ModelFeature] {
        var seen = Set<String>(), out: [ModelFeature] = []
        for member in members {
            for feature in member.model.features where seen.insert(feature.name).inserted { out.append(feature) }
        }
        return out
    }

    public func rawScores(_ dataset: Dataset, threads: Int) throws -> [Double] {
        let active = members.filter { $0.weight != 0 }
        return Self.combine(try active.map { try $0.model.rawScores(dataset, threads: threads) }, weights: active.map(\.weight))
    }

    /// Σₘ wₘ · rawScores[m], summed in member order (members of weight 0 skipped), so that
    /// scores combined from stored member scores equal ``rawScores(_:threads:)`` bit for bit.
    public static func combine(_ rawScores: [[Double]], weights: [Double]) -> [Double] {
        var total = [Double](repeating: 0, count: rawScores.first?.count ?? 0)
        for (scores, weight) in zip(rawScores, weights) where weight != 0 {
            for i in total.indices { total[i] += weight * scores[i] }
        }
        return total
    }

    public func contributions(_ dataset: Dataset, threads: Int) throws -> [[Double]] {
        let names = features.map(\.name)
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() { index[name] = i }
        var total = [[Double]](repeating: [Double](repeating: 0, count: names.count), count: dataset.rowCount)
        for member in members where member.weight != 0 {
            let map = member.model.features.map { index[$0.name]! }
            let phi = try member.model.contributions(dataset, threads: threads)
            for row in phi.indices {
                for (k, value) in phi[row].enumerated() { total[row][map[k]] += member.weight * value }
            }
        }
        return total
    }

    public var expectedRawScore: Double {
        members.reduce(0) { $0 + $1.weight * $1.model.expectedRawScore }
    }

    /// Each member's importance normalised to sum 1, weighted, per union feature.
    public var featureImportance: [Double] {
        let names = features.map(\.name)
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() { index[name] = i }
        var total = [Double](repeating: 0, count: names.count)
        for member in members {
            let importance = member.model.featureImportance
            let sum = importance.reduce(0, +)
            guard sum > 0 else { continue }
            for (k, feature) in member.model.features.enumerated() { total[index[feature.name]!] += member.weight * importance[k] / sum }
        }
        return total
    }
}
