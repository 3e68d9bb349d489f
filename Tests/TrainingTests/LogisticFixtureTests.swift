import Foundation
import Testing
import TestSupport
@testable import Training

/// The linear baseline against scikit-learn 1.9.1: the design matrix (StandardScaler,
/// SimpleImputer with indicators, OneHotEncoder) and LogisticRegression coefficients on the
/// public tables, from `Tests/Fixtures/sklearn/logistic.json`
/// (made by `scripts/fixtures/make_logistic_fixtures.py`).
///
/// Why not exact: both sides minimise the same strictly convex objective, but with different
/// algorithms and summation orders; the references are converged to a KKT violation below
/// 1e-12 and mlctl to a gradient of 1e-10, so coefficients agree to far better than the
/// 1e-4 the issue asks for. Scaler statistics differ only by summation order (1e-9 relative).
@Suite struct LogisticFixtureTests {
    nonisolated(unsafe) static let fixture: [String: Any] = try! PublicDatasets.fixture("sklearn/logistic.json")

    static var cases: [[String: Any]] { fixture["cases"] as! [[String: Any]] }

    private func parameters(_ item: [String: Any]) -> LogisticParameters {
        var parameters = LogisticParameters()
        parameters.C = (item["C"] as! NSNumber).doubleValue
        parameters.penalty = Penalty(rawValue: item["penalty"] as! String)!
        parameters.l1Ratio = (item["l1_ratio"] as! NSNumber).doubleValue
        parameters.balanced = item["balanced"] as! Bool
        parameters.imputation = LinearPreprocessor.Imputation(rawValue: item["imputation"] as! String)!
        parameters.priorCorrection = false
        parameters.tolerance = 1e-10
        parameters.maximumIterations = 100_000
        return parameters
    }

    @Test(arguments: 0..<7) func coefficientsMatchScikitLearn(index: Int) throws {
        let item = Self.cases[index]
        let name = item["name"] as! String
        let (train, test) = try PublicDatasets.load(item["table"] as! String)
        let model = try LogisticTrainer.train(train, parameters: parameters(item))
        #expect(model.converged, "\(name) did not converge")

        // Scaler and imputation, per numeric column.
        for input in model.preprocessor.numeric {
            let expected = (item["scaler"] as! [String: [String: NSNumber]])[input.name]!
            #expect(abs(input.mean - expected["mean"]!.doubleValue) <= 1e-9 * max(1, abs(input.mean)), "\(name) \(input.name) mean")
            #expect(abs(input.scale - expected["scale"]!.doubleValue) <= 1e-9 * input.scale, "\(name) \(input.name) scale")
            #expect(abs(input.fill - expected["fill"]!.doubleValue) <= 1e-9 * max(1, abs(input.fill)), "\(name) \(input.name) fill")
        }
        // Coefficients by design-column name: the same columns, the same values.
        let expected = (item["coefficients"] as! [String: NSNumber]).mapValues(\.doubleValue)
        let names = model.preprocessor.outputNames
        #expect(Set(names) == Set(expected.keys), "\(name): columns differ: \(Set(names).symmetricDifference(expected.keys))")
        // (With a pure L1 penalty over one-hot blocks the optimum is not unique: only the
        // predictions below are then comparable.)
        let unique = item["unique_coefficients"] as! Bool
        for (column, coefficient) in zip(names, model.coefficients) where unique {
            guard let reference = expected[column] else { continue }
            #expect(abs(coefficient - reference) <= 1e-4 * max(1, abs(reference)), "\(name) \(column): \(coefficient) vs \(reference)")
        }
        let intercept = (item["intercept"] as! NSNumber).doubleValue
        #expect(!unique || abs(model.intercept - intercept) <= 1e-4 * max(1, abs(intercept)), "\(name) intercept \(model.intercept) vs \(intercept)")
        // Probabilities of test rows.
        let rows = (item["test_rows"] as! [NSNumber]).indices.map { $0 }
        let probabilities = try model.probabilities(test.rows(rows))
        for (p, reference) in zip(probabilities, (item["test_probabilities"] as! [NSNumber]).map(\.doubleValue)) {
            #expect(abs(p - reference) <= 1e-6, "\(name) probability \(p) vs \(reference)")
        }
    }

    /// Newton (Cholesky) and L-BFGS reach the same optimum; the thread count changes nothing.
    @Test func solversAndThreadCountsAgree() throws {
        let (train, _) = try PublicDatasets.load("credit_data")
        var parameters = LogisticParameters()
        parameters.tolerance = 1e-10
        parameters.solver = .newton
        let newton = try LogisticTrainer.train(train, parameters: parameters)
        parameters.solver = .lbfgs
        let lbfgs = try LogisticTrainer.train(train, parameters: parameters)
        for (a, b) in zip(newton.coefficients, lbfgs.coefficients) { #expect(abs(a - b) <= 1e-6) }
        parameters.threads = 1
        let one = try LogisticTrainer.train(train, parameters: parameters)
        parameters.threads = 2
        let two = try LogisticTrainer.train(train, parameters: parameters)
        var twoAsOne = two
        twoAsOne.parameters.threads = 1
        #expect(one == twoAsOne)
    }
}
