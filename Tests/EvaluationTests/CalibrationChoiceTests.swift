import Core
import Foundation
import Testing
@testable import Evaluation

/// Calibration is kept only on out-of-sample evidence (issue #23): on scores that are already
/// calibrated Platt scaling must not be kept just because, fitted in sample, it always wins;
/// on over-confident or shifted scores it must be kept, and recover the distortion.
@Suite struct CalibrationChoiceTests {
    /// `rows` true log-odds s ~ N(−1, 1.5²) with labels drawn from σ(s), and the scores a
    /// model reports for them: `distort(s)`.
    static func rows(_ rows: Int, seed: UInt64, distort: (Double) -> Double) -> (raw: [Double], labels: [UInt8]) {
        var random = SeededGenerator(seed: seed)
        var raw: [Double] = [], labels: [UInt8] = []
        for _ in 0..<rows {
            let s = -1 + 1.5 * random.nextGaussian()
            labels.append(random.nextDouble() < logistic(s) ? 1 : 0)
            raw.append(distort(s))
        }
        return (raw, labels)
    }

    @Test func calibratedScoresStayUncalibrated() {
        // Over 20 samples, in-sample Platt scaling lowers the log loss every time (it contains
        // the identity), so judged in sample it would always be kept. Cross-fitted, it wins on
        // about half the samples by chance (6 of these 20), but past the noise rarely.
        var kept = 0, chanceWins = 0
        for seed in 0..<20 as Range<UInt64> {
            let (raw, labels) = Self.rows(3_000, seed: seed) { $0 }
            let choice = CalibrationChoice.choose(rawScores: raw, labels: labels, seed: seed)
            let inSample = ProbabilityMetrics.logLoss(probabilities: raw.map { choice.platt.probability($0) }, labels: labels)
            #expect(inSample <= choice.uncalibratedLogLoss)
            if choice.crossFittedLogLoss < choice.uncalibratedLogLoss { chanceWins += 1 }
            if choice.kept {
                kept += 1
                let shift = raw.map { abs(choice.platt.probability($0) - stableLogistic($0)) }.max()!
                #expect(shift < 0.03, "seed \(seed): \(choice.platt) moves a probability by \(shift)")
            }
            if seed == 0 {
                #expect(!choice.kept && choice.calibration == nil)
                #expect(choice.probability(rawScore: 0.7) == stableLogistic(0.7))
                #expect(choice.explanation.hasPrefix("left uncalibrated: 5-fold cross-fitted Platt scaling gives validation log loss"), "\(choice.explanation)")
            }
        }
        #expect(kept <= 3, "Platt scaling kept on \(kept) of 20 calibrated samples")
        #expect(chanceWins >= 3, "the cross-fitted map won on \(chanceWins) of 20 samples: the margin is what refuses those")
    }

    @Test func overConfidentScoresArePlattScaled() {
        // The model reports 3·s: p = σ(−(a·raw + b)) recovers σ(s) with a ≈ −1/3, b ≈ 0.
        let (raw, labels) = Self.rows(3_000, seed: 1) { 3 * $0 }
        let choice = CalibrationChoice.choose(rawScores: raw, labels: labels, seed: 1)
        #expect(choice.kept && choice.calibration == .platt(choice.platt))
        #expect(choice.crossFittedLogLoss < choice.uncalibratedLogLoss - 0.05, "\(choice.explanation)")
        #expect(abs(choice.platt.a + 1.0 / 3) < 0.05 && abs(choice.platt.b) < 0.15, "\(choice.platt)")
        #expect(choice.probability(rawScore: 1.2) == choice.platt.probability(1.2))
        #expect(choice.explanation.hasPrefix("Platt scaling kept: 5-fold cross-fitted") && choice.explanation.hasSuffix(" < 0.05)"), "\(choice.explanation)")
        #expect(choice.pValue < 1e-6)
    }

    @Test func shiftedScoresArePlattScaled() {
        // The model reports s + 1.5 (a prior that SMOTE or reweighting moved): a ≈ −1, b ≈ 1.5.
        let (raw, labels) = Self.rows(3_000, seed: 2) { $0 + 1.5 }
        let choice = CalibrationChoice.choose(rawScores: raw, labels: labels, seed: 2)
        #expect(choice.kept && choice.crossFittedLogLoss < choice.uncalibratedLogLoss)
        #expect(abs(choice.platt.a + 1) < 0.15 && abs(choice.platt.b - 1.5) < 0.15, "\(choice.platt)")
    }

    @Test func tooFewRowsStayUncalibrated() {
        // 9 positives cannot fill 5 folds with two each.
        let raw = (0..<60).map { Double($0) / 10 - 3 }, labels = (0..<60).map { UInt8($0 % 7 == 0 ? 1 : 0) }
        let choice = CalibrationChoice.choose(rawScores: raw, labels: labels, seed: 3)
        #expect(!choice.kept && choice.crossFittedLogLoss.isNaN && choice.calibration == nil)
        #expect(choice.explanation == "uncalibrated: 60 rows are too few to judge Platt scaling by 5-fold cross-fitting")
    }

    @Test func foldsAreStratifiedAndDeterministic() {
        let labels = (0..<1_000).map { UInt8($0 % 4 == 0 ? 1 : 0) }
        let folds = CalibrationChoice.stratifiedFolds(labels: labels, folds: 5, seed: 7)!
        #expect(folds == CalibrationChoice.stratifiedFolds(labels: labels, folds: 5, seed: 7))
        #expect(folds != CalibrationChoice.stratifiedFolds(labels: labels, folds: 5, seed: 8))
        for k in 0..<5 {
            let rows = labels.indices.filter { folds[$0] == k }
            #expect(rows.count == 200 && rows.filter { labels[$0] == 1 }.count == 50)
        }
    }
}
