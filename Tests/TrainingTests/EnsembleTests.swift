import Core
import Foundation
import Testing
import TestSupport
import Tuning
@testable import Training

/// Ensembles: simplex weights, Caruana selection, and the ensemble as a model.
@Suite struct EnsembleTests {
    /// Raw scores of three members on 3,000 rows: a good one, a weaker one, pure noise.
    private func members() -> (scores: [[Double]], labels: [UInt8]) {
        var random = SeededGenerator(seed: 9)
        var labels: [UInt8] = [], good: [Double] = [], weak: [Double] = [], noise: [Double] = []
        for _ in 0..<3000 {
            let signal = random.nextGaussian()
            let y: UInt8 = random.nextDouble() < 1 / (1 + exp(-2 * signal)) ? 1 : 0
            labels.append(y)
            good.append(2 * signal + 0.3 * random.nextGaussian())
            weak.append(signal + 1.5 * random.nextGaussian())
            noise.append(random.nextGaussian())
        }
        return ([good, weak, noise], labels)
    }

    private func logLoss(_ z: [Double], _ labels: [UInt8]) -> Double {
        zip(z, labels).reduce(0) { $0 + ($1.0 > 0 ? $1.0 + log1p(exp(-$1.0)) : log1p(exp($1.0))) - Double($1.1) * $1.0 } / Double(z.count)
    }

    @Test func simplexWeightsBeatEveryMemberAndIgnoreNoise() {
        let (scores, labels) = members()
        let w = EnsembleWeights.simplex(rawScores: scores, labels: labels)
        #expect(abs(w.reduce(0, +) - 1) < 1e-12 && w.allSatisfy { $0 >= 0 })
        #expect(w[0] > w[1] && w[2] < 0.05, "\(w)")
        let combined = (0..<labels.count).map { i in (0..<3).reduce(0.0) { $0 + w[$1] * scores[$1][i] } }
        // The optimum over the simplex is at least as good as each vertex (each single member)…
        for member in scores { #expect(logLoss(combined, labels) <= logLoss(member, labels) + 1e-12) }
        // …and no small move along the simplex improves it (a first-order optimality check).
        for (a, b) in [(0, 1), (1, 0), (0, 2), (1, 2)] where w[a] > 0.01 {
            var moved = w
            moved[a] -= 0.01; moved[b] += 0.01
            let z = (0..<labels.count).map { i in (0..<3).reduce(0.0) { $0 + moved[$1] * scores[$1][i] } }
            #expect(logLoss(z, labels) >= logLoss(combined, labels) - 1e-9)
        }
    }

    @Test func caruanaSelectionCountsAddUp() {
        let (scores, labels) = members()
        let w = EnsembleWeights.caruana(rawScores: scores, labels: labels, rounds: 20)
        #expect(abs(w.reduce(0, +) - 1) < 1e-12)
        #expect(w[0] >= 0.5 && w.allSatisfy { ($0 * 20).rounded() == $0 * 20 })
    }

    @Test func anEnsembleIsAModelThatExplainsAndRoundTrips() throws {
        let (train, test) = try PublicDatasets.load("credit_data")
        var tree = GBDTParameters()
        tree.trees = 20
        let gbdt = try GBDTTrainer.train(train, parameters: tree)
        let logistic = try LogisticTrainer.train(train, parameters: LogisticParameters())
        let ensemble = EnsembleModel(members: [.init(name: "gbdt", weight: 0.7, model: .gbdt(gbdt)), .init(name: "logistic", weight: 0.3, model: .logistic(logistic))],
                                     method: "simplex")
        let model = TrainedModel.ensemble(ensemble)
        let raw = try model.rawScores(test), phi = try model.contributions(test)
        let a = try gbdt.rawScores(test), b = try logistic.rawScores(test)
        for row in 0..<test.rowCount {
            #expect(abs(raw[row] - (0.7 * a[row] + 0.3 * b[row])) < 1e-12)
            #expect(abs(model.expectedRawScore + phi[row].reduce(0, +) - raw[row]) < 1e-9)
        }
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundle = directory.appendingPathComponent("ensemble")
        try ModelBundle.write(model, manifest: BundleManifest(modelKind: "ensemble", target: "label", inputSchema: model.features, seed: 0,
                                                             dataFingerprint: train.fingerprint(), trainingRows: train.rowCount, metrics: [:]), to: bundle)
        let (manifest, read) = try ModelBundle.read(from: bundle)
        #expect(manifest.modelKind == "ensemble" && read == model)
        #expect(try read.rawScores(test) == raw)
    }
}
