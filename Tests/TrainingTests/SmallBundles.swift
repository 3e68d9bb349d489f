import Core
import Evaluation
import Foundation
import TestSupport
@testable import Training

/// One model of each kind a bundle holds, small enough to load thousands of times: the golden
/// bundle (`Tests/Fixtures/golden/gbdt-v1`, written by an earlier mlctl), trees of each growth
/// policy, a linear model and an ensemble of all of them, trained once on
/// ``PreparedModelRowTests/table(rows:seed:colours:)`` (a categorical column, missing numbers
/// and categories). Every manifest has a calibration, quality levels and an input profile, so
/// that what scoring reads from the manifest is covered too.
enum SmallBundles {
    struct Sample: Sendable, CustomStringConvertible {
        var name: String
        /// nil: the golden bundle, copied as it is.
        var model: TrainedModel?
        var manifest: BundleManifest?
        var description: String { name }

        /// The bundle written (or copied) to `directory`, ready for editing.
        func bundle(in directory: URL) throws -> EditedBundle {
            let destination = directory.appendingPathComponent(name)
            guard let model, let manifest else {
                return try EditedBundle(copying: TestPaths.fixture("golden/gbdt-v1"), to: destination)
            }
            return try EditedBundle(model, manifest: manifest, in: destination)
        }
    }

    static let names = ["golden", "leafwise", "depthwise", "oblivious", "logistic", "ensemble"]

    /// The samples by ``names``.
    static let all: [String: Sample] = {
        let data = PreparedModelRowTests.table(rows: 500, seed: 31, colours: ["red", "green", "blue"])
        var models: [String: TrainedModel] = [:]
        for growth in GrowthPolicy.allCases {
            var parameters = GBDTParameters()
            parameters.growth = growth
            parameters.trees = 4
            parameters.numLeaves = 7
            parameters.maxDepth = 3
            parameters.minDataInLeaf = 10
            parameters.maxBin = 16  // small files: the bins are most of a small model's JSON
            parameters.seed = 32
            parameters.threads = 1
            models[growth.rawValue] = .gbdt(try! GBDTTrainer.train(data, parameters: parameters))
        }
        models["logistic"] = try! PreparedModelRowTests.logisticModel(data)
        models["ensemble"] = .ensemble(EnsembleModel(members: [
            .init(name: "baseline", weight: 0.25, model: models["logistic"]!),
            .init(name: "leafwise", weight: 0.4, model: models["leafwise"]!),
            .init(name: "depthwise", weight: 0, model: models["depthwise"]!),
            .init(name: "oblivious", weight: 0.35, model: models["oblivious"]!),
        ], method: "simplex"))
        var samples = ["golden": Sample(name: "golden")]
        for (name, model) in models {
            var manifest = BundleManifest(createdAt: "2026-01-01T00:00:00Z", modelKind: model.kind, target: "label", inputSchema: model.features,
                                          seed: 32, dataFingerprint: data.fingerprint(), trainingRows: data.rowCount, metrics: [:])
            let scores = try! model.rawScores(data, threads: 1)
            manifest.calibration = name == "ensemble"
                ? .isotonic(IsotonicRegression.fit(scores: Array(scores.prefix(100)), targets: data.labels.prefix(100).map(Double.init)))
                : .platt(PlattScaling.fit(scores: scores, labels: data.labels))
            manifest.qualityLevels = QualityLevels(cutoffs: [0.6, 0.35, 0.15])
            manifest.inputProfile = InputProfile.make(data, threads: 1)
            manifest.scoreProfile = ScoreProfile.make(scores: scores.map { manifest.calibration!.probability(rawScore: $0) })
            samples[name] = Sample(name: name, model: model, manifest: manifest)
        }
        return samples
    }()

    /// `count` rows for a model with `features`, through the service's encoder
    /// (``ModelInputEncoder``): numbers around 0 (15 % missing), categories from the model's
    /// dictionary (10 % missing, 10 % unseen).
    static func encodedRows(features: [ModelFeature], count: Int, random: inout SeededGenerator) -> [Float] {
        let values: [[InputValue]] = (0..<count).map { _ in
            features.map { feature in
                let draw = random.nextDouble()
                switch feature.kind {
                case .numeric:
                    return draw < 0.15 ? .missing : .number(Float(random.nextGaussian() * 10))
                case .categorical:
                    let categories = feature.categories ?? []
                    if draw < 0.1 || categories.isEmpty { return .missing }
                    if draw < 0.2 { return .text("never-seen") }
                    return .text(categories[random.nextInt(below: categories.count)])
                }
            }
        }
        return ModelInputEncoder(features: features).encode(rows: count) { values[$0][$1] }
    }
}
