import Core
import Foundation
import Testing
@testable import Evaluation

/// Hand-computable cases: scores [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1].
@Suite struct ThresholdAndCurveTests {
    let rows = try! ScoredRows(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1])

    /// F1 by threshold: 0.8 → 2/3, 0.4 → 1/2, 0.35 → 4/5, 0.1 → 2/3.
    @Test func maximumF1() { #expect(ThresholdChoice.maximumF1(rows) == 0.35) }

    /// J by threshold: 0.8 → 0.5, 0.4 → 0, 0.35 → 0.5, 0.1 → 0; ties go to the higher threshold.
    @Test func youden() { #expect(ThresholdChoice.youdenJ(rows) == 0.8) }

    /// Cost with FP = 1, FN = 10: 0.8 → 10, 0.4 → 11, 0.35 → 1, 0.1 → 2.
    @Test func minimumCost() {
        #expect(ThresholdChoice.minimumExpectedCost(rows, falsePositiveCost: 1, falseNegativeCost: 10) == 0.35)
        #expect(ThresholdChoice.minimumExpectedCost(rows, falsePositiveCost: 10, falseNegativeCost: 1) == 0.8)
    }

    @Test func capacity() {
        #expect(ThresholdChoice.topCapacity(rows, fraction: 0.5) == 0.4)
        #expect(ThresholdChoice.topCapacity(rows, fraction: 0.01) == 0.8)
    }

    @Test func qualityLevelsFromValidationQuantiles() throws {
        let scores = (0..<100).map { Double($0) / 100 }
        let levels = QualityLevels.fit(try ScoredRows(scores: scores, labels: scores.map { $0 > 0.5 ? 1 : 0 }))
        #expect(levels.cutoffs == [0.9, 0.7, 0.4])
        #expect(levels.level(0.95) == "High" && levels.level(0.9) == "High" && levels.level(0.75) == "Medium")
        #expect(levels.level(0.5) == "Low" && levels.level(0.1) == "Very Low")
    }

    @Test func curves() {
        let roc = Curves.roc(rows)
        #expect(roc.map(\.fpr) == [0, 0, 0.5, 0.5, 1] && roc.map(\.tpr) == [0, 0.5, 0.5, 1, 1])
        let pr = Curves.precisionRecall(rows)
        #expect(pr.map(\.precision) == [1, 0.5, 2.0 / 3, 0.5])
        let gain = Curves.gainAndLift(rows, steps: 2)
        #expect(gain[0].capture == 0.5 && gain[0].lift == 1 && gain[1].capture == 1)
        let reliability = Curves.reliability(rows, bins: 2)
        #expect(reliability.count == 2 && reliability[0].observedRate == 1.0 / 3 && reliability[1].weight == 1)
        let distribution = Curves.scoreDistribution(rows, bins: 7)
        #expect(distribution.edges.count == 8 && distribution.positives.reduce(0, +) == 2 && distribution.negatives.reduce(0, +) == 2)
    }

    @Test func bootstrapIntervalsAreReproducibleWhateverTheThreadsAndSensible() throws {
        let n = 400
        let scores = (0..<n).map { Double(($0 * 7919) % 1000) / 1000 }
        let labels: [UInt8] = scores.enumerated().map { $1 + Double($0 % 5) / 10 > 0.7 ? 1 : 0 }
        let data = try ScoredRows(scores: scores, labels: labels)
        let interval = Bootstrap.interval(data, resamples: 200, seed: 42, threads: 1, metric: RankingMetrics.rocAUC)
        #expect(interval.lower < interval.estimate && interval.estimate < interval.upper)
        #expect(interval.upper - interval.lower < 0.2)
        #expect(Bootstrap.interval(data, resamples: 200, seed: 42, threads: 3, metric: RankingMetrics.rocAUC) == interval)
        #expect(Bootstrap.interval(data, resamples: 200, seed: 43, threads: 1, metric: RankingMetrics.rocAUC) != interval)
        // Metrics sharing resamples get the same interval as alone.
        let both = Bootstrap.intervals(data, metrics: [("auc", RankingMetrics.rocAUC), ("brier", ClassificationMetrics.brierScore)],
                                       resamples: 200, seed: 42, threads: 2)
        #expect(both["auc"] == interval)
        let separated = try ScoredRows(scores: [0.1, 0.2, 0.8, 0.9], labels: [0, 0, 1, 1])
        let perfect = Bootstrap.interval(separated, resamples: 50, seed: 1, metric: RankingMetrics.rocAUC)
        #expect(perfect.lower == 1 && perfect.upper == 1)
    }

    /// The bootstrap's spread against the textbook standard error of a mean: for the log loss
    /// (a mean of per-row losses) the 95 % interval is about ±1.96·s/√n.
    @Test func bootstrapWidthMatchesTheStandardErrorOfAMean() throws {
        var state: UInt64 = 9
        let n = 20_000
        let scores = (0..<n).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return 0.05 + 0.9 * Double(state >> 11) / 9_007_199_254_740_992
        }
        let labels: [UInt8] = scores.indices.map { ($0 * 2654435761) % 1000 < Int(scores[$0] * 1000) ? 1 : 0 }
        let rows = try ScoredRows(scores: scores, labels: labels)
        let losses: [Double] = zip(scores, labels).map { score, label in label == 1 ? -log(score) : -log(1 - score) }
        let mean = losses.reduce(0, +) / Double(n)
        let squares: Double = losses.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let sd = (squares / Double(n - 1)).squareRoot()
        let interval = Bootstrap.interval(rows, resamples: 400, seed: 3, metric: ProbabilityMetrics.logLoss)
        let expectedHalfWidth = 1.96 * sd / Double(n).squareRoot()
        #expect(abs((interval.upper - interval.lower) / 2 - expectedHalfWidth) < 0.15 * expectedHalfWidth,
                "half-width \((interval.upper - interval.lower) / 2) vs \(expectedHalfWidth)")
    }
}

@Suite struct ReportTests {
    @Test func axesEndOnRoundNumbers() {
        for (value, ticks, expected) in [(0.506, 4, 0.6), (3.83, 4, 4.0), (3.54, 2, 4.0), (1.0, 4, 1.0), (7461.0, 4, 8000.0), (0.0012, 4, 0.0012)] {
            let nice = SVGChart.niceMaximum(value, ticks: ticks)
            #expect(abs(nice - expected) <= 1e-12 * expected && nice >= value * (1 - 1e-12), "\(value) → \(nice)")
        }
    }

    @Test func svgTextIsEscapedAndChartsAreWellFormed() {
        #expect(SVGChart.escape("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;")
        let chart = SVGChart.lines([SVGChart.Series(name: "<model>", points: [(0, 0), (0.5, 0.8), (1, 1)])], title: "ROC", xLabel: "x", yLabel: "y", diagonal: true)
        #expect(chart.hasPrefix("<svg") && chart.hasSuffix("</svg>") && chart.contains("&lt;model&gt;") && chart.contains("<polyline"))
        let bars = SVGChart.bars(labels: ["a", "b"], series: [("s", [1, 2])], title: "t", yLabel: "y", horizontal: true)
        #expect(bars.components(separatedBy: "<rect").count - 1 == 2)
    }
}

@Suite struct PoissonBootstrapTests {
    @Test func poissonDrawsHaveUnitMeanAndVariance() {
        var random = SplitMix64(seed: 7, stream: 0)
        let draws = Bootstrap.poissonThresholds.withUnsafeBufferPointer { t in
            (0..<100_000).map { _ in Bootstrap.poissonOne(random.next(), t) }
        }
        let mean = Double(draws.reduce(0, +)) / Double(draws.count)
        let variance = draws.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(draws.count)
        #expect(abs(mean - 1) < 0.02 && abs(variance - 1) < 0.03)
        // Each k has the Poisson(1) probability e⁻¹/k! (within 4σ of 100,000 draws).
        for k in 0...4 {
            let expected = exp(-1) / Double((1...max(1, k)).reduce(1, *)), observed = Double(draws.filter { $0 == k }.count) / 1e5
            #expect(abs(observed - expected) < 4 * (expected * (1 - expected) / 1e5).squareRoot(), "P(\(k)) = \(observed), expected \(expected)")
        }
        // The extreme words map to 0 and to the largest count.
        Bootstrap.poissonThresholds.withUnsafeBufferPointer { t in
            #expect(Bootstrap.poissonOne(0, t) == 0 && Bootstrap.poissonOne(UInt64.max, t) >= 10)
        }
    }
}
