import Core
import Foundation
import Testing
@testable import Training

/// The serving cost train-all puts beside each candidate: measured on the service's row path,
/// with a machine-independent work count that follows what the explainer actually does.
@Suite struct ServingCostTests {
    @Test func treesAndEnsemblesAreMeasuredOnTheRowPath() throws {
        let data = PreparedModelRowTests.table(rows: 400, seed: 3, colours: ["red", "green", "blue"])
        let leafwise = try PreparedModelRowTests.trees(data, growth: .leafwise, seed: 1)
        let oblivious = try PreparedModelRowTests.trees(data, growth: .oblivious, seed: 1)
        let linear = try PreparedModelRowTests.logisticModel(data)
        let ensemble = TrainedModel.ensemble(EnsembleModel(members: [.init(name: "a", weight: 0.5, model: leafwise),
                                                                     .init(name: "b", weight: 0.3, model: oblivious),
                                                                     .init(name: "c", weight: 0.2, model: linear)], method: "simplex"))
        var work: [Int] = []
        for model in [leafwise, oblivious, linear, ensemble] {
            let cost = try ServingCost.measure(model, on: data, rows: 50)
            #expect(cost.scoreMicroseconds > 0 && cost.explainMicroseconds > cost.scoreMicroseconds, "\(model.kind): \(cost)")
            #expect(cost.explanationWork == PreparedModel(model).explanationWorkPerRow && cost.explanationWork > 0)
            work.append(cost.explanationWork)
        }
        // An ensemble does its members' work; a linear model's is its design width.
        #expect(work[3] == work[0] + work[1] + work[2])
        guard case .logistic(let l) = linear else { return }
        #expect(work[2] == l.preprocessor.outputWidth)
    }

    @Test func tabulatedObliviousTreesCountAsTheLookupsTheyAre() throws {
        let data = PreparedModelRowTests.table(rows: 400, seed: 4, colours: ["red", "green"])
        guard case .gbdt(let model) = try PreparedModelRowTests.trees(data, growth: .oblivious, seed: 2) else { return }
        let tabulated = TreeExplainer(trees: model.trees, featureCount: model.features.count)
        let kernel = TreeExplainer(trees: model.trees, featureCount: model.features.count, tabulating: false)
        // A tree of depth d over k ≤ d distinct features is 4(k + 2) units from its table, and
        // 4 per internal node (2^d − 1 of them) and quadrature chunk through the kernel.
        let trees = model.trees.count
        #expect(tabulated.workPerRow > 0 && tabulated.workPerRow < kernel.workPerRow, "\(tabulated.workPerRow) vs \(kernel.workPerRow)")
        #expect(tabulated.workPerRow % 4 == 0 && tabulated.workPerRow >= 12 * trees && tabulated.workPerRow <= 4 * (8 + 2) * trees)
    }
}
