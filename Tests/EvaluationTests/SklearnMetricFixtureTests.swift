import Foundation
import Testing
@testable import Evaluation

/// Every metric against scikit-learn 1.9.1 / SciPy 1.17.1 on the cases of
/// `Tests/Fixtures/sklearn/metrics.json` (made by `scripts/fixtures/make_metric_fixtures.py`).
/// Tolerance 1e-12 absolute (1e-12 relative for weighted confusion sums, which scikit-learn
/// adds one by one): only the order of floating-point additions differs.
@Suite struct SklearnMetricFixtureTests {
    struct Case {
        var name: String
        var rows: ScoredRows
        var expected: [String: Any]
    }

    static func cases() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sklearn/metrics.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return try (root["cases"] as! [[String: Any]]).map { item in
            let scores = (item["scores"] as! [NSNumber]).map(\.doubleValue)
            let labels = (item["labels"] as! [NSNumber]).map { UInt8($0.intValue) }
            let weights = (item["weights"] as? [NSNumber])?.map(\.doubleValue)
            return Case(name: item["name"] as! String, rows: try ScoredRows(scores: scores, labels: labels, weights: weights),
                        expected: item["expected"] as! [String: Any])
        }
    }

    private func value(_ c: Case, _ key: String) -> Double { (c.expected[key] as! NSNumber).doubleValue }

    private func close(_ a: Double, _ b: Double, relative: Bool = false) -> Bool {
        if a.isNaN && b.isNaN { return true }
        return abs(a - b) <= 1e-12 * (relative ? max(1, abs(b)) : 1)
    }

    @Test func everyMetricMatchesScikitLearn() throws {
        let cases = try Self.cases()
        #expect(cases.count == 5)
        for c in cases {
            let rows = c.rows
            func check(_ name: String, _ got: Double, relative: Bool = false) {
                #expect(close(got, value(c, name), relative: relative), "\(c.name) \(name): \(got) vs \(value(c, name))")
            }
            check("roc_auc", RankingMetrics.rocAUC(rows))
            check("average_precision", ClassificationMetrics.averagePrecision(rows))
            check("pr_auc", ClassificationMetrics.precisionRecallAUC(rows))
            check("log_loss", ProbabilityMetrics.logLoss(rows), relative: true)
            check("brier", ClassificationMetrics.brierScore(rows))
            check("ks", ClassificationMetrics.ksStatistic(rows))
            check("gini", 2 * RankingMetrics.rocAUC(rows) - 1)
            check("ece", ClassificationMetrics.expectedCalibrationError(rows))
            let confusion = ClassificationMetrics.confusion(rows, threshold: 0.5)
            check("accuracy", confusion.accuracy)
            check("precision", confusion.precision)
            check("recall", confusion.recall)
            check("f1", confusion.f1)
            check("specificity", confusion.specificity)
            if let matrix = c.expected["confusion_matrix"] as? [String: NSNumber] {
                for (key, got) in [("tn", confusion.trueNegative), ("fp", confusion.falsePositive), ("fn", confusion.falseNegative), ("tp", confusion.truePositive)] {
                    #expect(close(got, matrix[key]!.doubleValue, relative: true), "\(c.name) confusion \(key)")
                }
            }
            for k in [10, 20] {
                let (lift, capture) = ClassificationMetrics.liftAndCapture(rows, topFraction: Double(k) / 100)
                check("lift_top\(k)", lift)
                check("capture_top\(k)", capture)
            }
        }
    }

    @Test func badInputIsAClearError() {
        #expect(throws: ScoredRows.Problem.lengthMismatch(scores: 2, labels: 1, weights: nil)) { try ScoredRows(scores: [0.1, 0.2], labels: [1]) }
        #expect(throws: ScoredRows.Problem.invalidScore(row: 1, value: .infinity)) { try ScoredRows(scores: [0.1, .infinity], labels: [1, 0]) }
        #expect(throws: ScoredRows.Problem.invalidLabel(row: 0, value: 2)) { try ScoredRows(scores: [0.1], labels: [2]) }
        #expect(throws: ScoredRows.Problem.invalidWeight(row: 0, value: -1)) { try ScoredRows(scores: [0.1], labels: [1], weights: [-1]) }
        #expect(throws: ScoredRows.Problem.empty) { try ScoredRows(scores: [], labels: []) }
        let oneClass = try! ScoredRows(scores: [0.1, 0.9], labels: [1, 1])
        #expect(RankingMetrics.rocAUC(oneClass).isNaN && ClassificationMetrics.ksStatistic(oneClass).isNaN)
    }
}
