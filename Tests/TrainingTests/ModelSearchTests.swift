import Foundation
import Testing
import TestSupport
@testable import Training
import Tuning

/// Cross-validated GBDT trials train several folds at once when given threads; the study
/// must not notice: the same trials, values, pruning decisions and round counts as with one
/// thread, fold after fold.
@Suite struct ModelSearchTests {
    @Test func foldsTrainedTogetherGiveTheSameStudy() throws {
        let data = try CSVReader.read(contentsOf: TestPaths.dataset("public/credit_data.csv"), options: CSVReadOptions(target: "label"))
        let cv = CrossValidation(data: data, folds: 3, metric: .rocAUC, seed: 4)
        func study(threads: Int) throws -> [Trial] {
            var base = GBDTParameters()
            base.trees = 40
            base.earlyStoppingRounds = 5
            base.threads = threads
            let searchBase = base
            let study = try Study(space: ModelSearch.gbdtSpace, direction: .maximize, sampler: RandomSampler(),
                                  pruner: MedianPruner(startupTrials: 2), seed: 9)
            try study.optimize(trialCount: 8, objective: { trial in try ModelSearch.crossValidateGBDT(trial, base: searchBase, cv: cv) })
            return study.trials
        }
        let alone = try study(threads: 1)
        #expect(alone.contains { $0.state == .pruned } && alone.contains { $0.state == .complete })
        for threads in [2, 3] {
            let together = try study(threads: threads)
            #expect(together.map(\.state) == alone.map(\.state), "\(threads) threads")
            #expect(together.map(\.value) == alone.map(\.value), "\(threads) threads")
            #expect(together.map(\.intermediateValues) == alone.map(\.intermediateValues), "\(threads) threads")
            #expect(together.map(\.attributes) == alone.map(\.attributes), "\(threads) threads")
        }
    }
}
