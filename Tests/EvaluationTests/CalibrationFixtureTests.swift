import Foundation
import Testing
@testable import Evaluation

/// Platt scaling, isotonic regression and DeLong's test against the cases of
/// `Tests/Fixtures/sklearn/calibration.json` (made by `scripts/fixtures/make_calibration_fixtures.py`
/// with scikit-learn 1.9.1 and SciPy 1.17.1).
@Suite struct CalibrationFixtureTests {
    nonisolated(unsafe) static let fixture: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sklearn/calibration.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    private func doubles(_ value: Any?) -> [Double] { (value as! [NSNumber]).map(\.doubleValue) }
    private func labels(_ value: Any?) -> [UInt8] { (value as! [NSNumber]).map { UInt8($0.intValue) } }

    /// scikit-learn's L-BFGS-B stops with a gradient near 1e-6, so the comparison is with the
    /// fully converged optimum the script also records (Newton to a gradient of 1e-15): (a, b)
    /// to 1e-8 relative, probabilities to 1e-8 absolute; and with scikit-learn's own (a, b)
    /// to 1e-6 relative.
    @Test func plattScalingMatchesTheSmoothedLogisticFit() {
        for item in Self.fixture["platt"] as! [[String: Any]] {
            let expected = item["expected"] as! [String: Any]
            let weights = (item["weights"] as? [NSNumber])?.map(\.doubleValue)
            let fit = PlattScaling.fit(scores: doubles(item["scores"]), labels: labels(item["labels"]), weights: weights)
            let name = item["name"] as! String
            let optimumA = (expected["optimum_a"] as! NSNumber).doubleValue, optimumB = (expected["optimum_b"] as! NSNumber).doubleValue
            let sklearnA = (expected["sklearn_a"] as! NSNumber).doubleValue, sklearnB = (expected["sklearn_b"] as! NSNumber).doubleValue
            #expect(abs(fit.a - optimumA) <= 1e-8 * abs(optimumA) && abs(fit.b - optimumB) <= 1e-8 * max(1, abs(optimumB)), "\(name): \(fit) vs \(optimumA), \(optimumB)")
            #expect(abs(fit.a - sklearnA) <= 1e-6 * abs(sklearnA) && abs(fit.b - sklearnB) <= 1e-6 * max(1, abs(sklearnB)), "\(name) vs scikit-learn")
            for (score, probability) in zip(doubles(expected["test_scores"]), doubles(expected["test_probabilities_optimum"])) {
                #expect(abs(fit.probability(score) - probability) <= 1e-8, "\(name) at \(score)")
            }
        }
    }

    @Test func isotonicRegressionMatchesScikitLearn() {
        for item in Self.fixture["isotonic"] as! [[String: Any]] {
            let expected = item["expected"] as! [String: Any]
            let x = doubles(item["x"])
            let weights = (item["weights"] as? [NSNumber])?.map(\.doubleValue)
            let model = IsotonicRegression.fit(scores: x, targets: doubles(item["y"]), weights: weights)
            let name = item["name"] as! String
            for (value, fitted) in zip(x, doubles(expected["fitted"])) {
                #expect(abs(model.predict(value) - fitted) <= 1e-12, "\(name) fitted at \(value)")
            }
            for (query, prediction) in zip(doubles(expected["query_x"]), doubles(expected["predictions"])) {
                #expect(abs(model.predict(query) - prediction) <= 1e-12, "\(name) predicted at \(query)")
            }
        }
    }

    @Test func deLongMatchesTheReference() throws {
        for item in Self.fixture["delong"] as! [[String: Any]] {
            let expected = item["expected"] as! [String: Any]
            let result = try #require(DeLongTest.compare(doubles(item["scores_a"]), doubles(item["scores_b"]), labels: labels(item["labels"])))
            let name = item["name"] as! String
            for (got, key) in [(result.aucA, "auc_a"), (result.aucB, "auc_b"), (result.varianceA, "var_a"), (result.varianceB, "var_b"),
                               (result.covariance, "cov_ab"), (result.z, "z"), (result.pValue, "p_value")] {
                let reference = (expected[key] as! NSNumber).doubleValue
                #expect(abs(got - reference) <= 1e-12 * max(1, abs(reference)), "\(name) \(key): \(got) vs \(reference)")
            }
        }
        #expect(DeLongTest.compare([0.1, 0.2], [0.3, 0.4], labels: [1, 1]) == nil)
    }
}
