import Core
import Evaluation
@testable import Pipeline
import Testing
import Training

/// The logistic baseline's cross-validated settings (``BaselineChoice``): the rule on made-up
/// fold AUCs, the fold AUCs equal to a fit on the fold's other rows scored on the fold, the
/// choice independent of the thread count, and a wide noisy table asking for a small C.
@Suite struct BaselineChoiceTests {
    typealias Setting = BaselineChoice.Setting

    @Test func smoteOnlyPastOneStandardErrorAndTiesToTheSmallerC() {
        let plain = [Setting(C: 0.01, smote: false, foldAUC: [0.70, 0.72, 0.71]), Setting(C: 0.1, smote: false, foldAUC: [0.75, 0.74, 0.76]),
                     Setting(C: 1, smote: false, foldAUC: [0.75, 0.74, 0.76])]
        // SMOTE 0.02 better on every fold: past one standard error of the paired differences.
        let clear = plain + [Setting(C: 1, smote: true, foldAUC: [0.77, 0.76, 0.78])]
        let kept = BaselineChoice.decide(clear, folds: 3, rows: 300)
        #expect(kept.chosen == clear[3] && abs(kept.smoteGain - 0.02) < 1e-12 && kept.smoteGainStandardError < 1e-12)
        // Better on the mean, but by less than its fold-to-fold spread: not used.
        let noisy = plain + [Setting(C: 1, smote: true, foldAUC: [0.80, 0.70, 0.77])]
        let dropped = BaselineChoice.decide(noisy, folds: 3, rows: 300)
        #expect(dropped.chosen.smote == false && dropped.smoteGain > 0 && dropped.smoteGain < dropped.smoteGainStandardError)
        // C 0.1 and C 1 tie: the stronger regularisation.
        #expect(dropped.chosen.C == 0.1)
        #expect(dropped.explanation.contains("C 0.1 by 3-fold CV on 300 rows") && dropped.explanation.contains("SMOTE not used"), "\(dropped.explanation)")
    }

    @Test func foldAUCsAreOutOfFoldAndTheChoiceIgnoresTheThreadCount() throws {
        var random = SeededGenerator(seed: 7)
        var x: [Float] = [], colour: [String?] = [], labels: [UInt8] = []
        for _ in 0..<600 {
            let a = random.nextGaussian(), c = ["red", "green", "blue", nil][random.nextInt(below: 4)]
            x.append(Float(a))
            colour.append(c)
            labels.append(random.nextDouble() < logistic(1.1 * a + (c == "red" ? 0.8 : 0) - 1.2) ? 1 : 0)
        }
        let data = Dataset(columns: [.numeric(NumericColumn(name: "x", values: x)), .categorical(CategoricalColumn(name: "colour", texts: colour))],
                           labels: labels, rowCount: 600)
        var base = LogisticParameters()
        base.seed = 3
        let one = try BaselineChoice.choose(train: data, base: base, folds: 3, seed: 5, threads: 1)
        let two = try BaselineChoice.choose(train: data, base: base, folds: 3, seed: 5, threads: 2)
        #expect(one.settings == two.settings && one.chosen == two.chosen)
        #expect(one.settings.count == 2 * BaselineChoice.grid.count && one.settings.allSatisfy { $0.foldAUC.count == 3 })
        // Fold 1 of the chosen setting, by hand: fit on the other folds' rows, score fold 1's.
        let folds = StratifiedSplit.kFold(labels: data.labels, k: 3, seed: 5)
        var parameters = base
        parameters.C = one.chosen.C
        parameters.smote = one.chosen.smote
        parameters.threads = 1
        let model = try LogisticTrainer.train(data.rows(StratifiedSplit.complement(of: folds[1], rowCount: data.rowCount)), parameters: parameters)
        let valid = data.rows(folds[1])
        #expect(one.chosen.foldAUC[1] == RankingMetrics.rocAUC(scores: try model.rawScores(valid, threads: 1), labels: valid.labels))
    }

    /// 120 rows, one informative column among 60 of noise: weak regularisation overfits the
    /// noise, so cross-validation picks a C below 1.
    @Test func aWideNoisyTableGetsStrongRegularisation() throws {
        var random = SeededGenerator(seed: 12)
        let rows = 120
        var columns: [Column] = []
        var signal = [Double](repeating: 0, count: rows)
        for k in 0..<61 {
            let values = (0..<rows).map { _ in Float(random.nextGaussian()) }
            if k == 0 { signal = values.map { Double($0) } }
            columns.append(.numeric(NumericColumn(name: "x\(k)", values: values)))
        }
        let labels = signal.map { random.nextDouble() < logistic(1.5 * $0) ? UInt8(1) : 0 }
        let data = Dataset(columns: columns, labels: labels, rowCount: rows)
        let choice = try BaselineChoice.choose(train: data, base: LogisticParameters(), folds: 3, seed: 1, threads: 2)
        #expect(choice.chosen.C < 1, "\(choice.settings.map { ($0.C, $0.smote, $0.meanAUC) })")
    }
}
