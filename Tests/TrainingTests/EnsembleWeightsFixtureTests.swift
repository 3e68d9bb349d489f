import Foundation
import Testing
@testable import Training

/// Ensemble weights against the cases of `Tests/Fixtures/scipy/ensemble_weights.json` (made by
/// `scripts/fixtures/make_ensemble_fixtures.py` with SciPy 1.17.1 and NumPy 2.4.6).
///
/// Why the simplex weights cannot match exactly: both sides minimise the same convex log loss on
/// the simplex, but with different optimisers and summation orders. The reference is SciPy's
/// SLSQP on the weights themselves (bounds and an equality constraint; within 9.1e-9 of an exact
/// active-set Newton solution), while mlctl runs L-BFGS on a softmax parametrisation, stops at a
/// gradient of 1e-9 in θ, and — since a softmax weight can only approach a boundary weight of 0,
/// never reach it — sets weights below 1e-6 to 0 and renormalises. Near the optimum the loss is
/// flat (a weight error d raises it by only ~λ·d²/2, λ the reduced-Hessian eigenvalue, 0.0037 in
/// the nearly collinear case), so weights are compared at 1e-5 absolute (a Python port of the
/// Swift code lands within 8.5e-9), and the loss at mlctl's weights must not exceed the
/// reference optimum's by more than 1e-10 (the port's is within 1e-16). Members with a zero
/// reference weight have a KKT slack of at least 0.0087, so a converged θ-gradient of 1e-9
/// leaves their softmax weight below 1.2e-7 and mlctl's weight must be exactly 0.
///
/// Caruana's selection is deterministic and every round's best loss is ahead of the second best
/// by at least 1.7e-8 relative (far above summation-order rounding), so its weights must be
/// equal exactly.
@Suite struct EnsembleWeightsFixtureTests {
    nonisolated(unsafe) static let fixture: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/scipy/ensemble_weights.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    static var cases: [[String: Any]] { fixture["cases"] as! [[String: Any]] }

    private func doubles(_ value: Any?) -> [Double] { (value as! [NSNumber]).map(\.doubleValue) }
    private func integers(_ value: Any?) -> [Int] { (value as! [NSNumber]).map(\.intValue) }
    private func labels(_ value: Any?) -> [UInt8] { (value as! [NSNumber]).map { UInt8($0.intValue) } }
    private func rawScores(_ item: [String: Any]) -> [[Double]] { (item["raw_scores"] as! [Any]).map { doubles($0) } }

    /// Σ vᵢ [log(1 + e^zᵢ) − yᵢ zᵢ] / Σ vᵢ with zᵢ = Σₘ wₘ zₘᵢ (the fixture's `log_loss`).
    private func logLoss(_ w: [Double], _ scores: [[Double]], _ labels: [UInt8], _ rowWeights: [Double]?) -> Double {
        var loss = 0.0, total = 0.0
        for i in 0..<labels.count {
            var z = 0.0
            for m in 0..<w.count { z += w[m] * scores[m][i] }
            let v = rowWeights?[i] ?? 1
            loss += v * ((z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - Double(labels[i]) * z)
            total += v
        }
        return loss / total
    }

    @Test func simplexWeightsMatchTheSciPyOptimum() {
        #expect(Self.cases.count == 5)
        for item in Self.cases {
            let name = item["name"] as! String
            let expected = item["expected"] as! [String: Any]
            let scores = rawScores(item), y = labels(item["labels"])
            let rowWeights = (item["weights"] as? [NSNumber])?.map(\.doubleValue)
            let w = EnsembleWeights.simplex(rawScores: scores, labels: y, weights: rowWeights)
            let reference = doubles(expected["simplex_weights"])
            #expect(w.count == reference.count, "\(name)")
            #expect(w.allSatisfy { $0 >= 0 } && abs(w.reduce(0, +) - 1) <= 1e-12, "\(name): \(w)")
            for (m, (got, want)) in zip(w, reference).enumerated() {
                #expect(abs(got - want) <= 1e-5, "\(name) weight \(m): \(got) vs \(want)")
            }
            let support = Set(integers(expected["support"]))
            for m in 0..<w.count where !support.contains(m) {
                #expect(w[m] == 0, "\(name): member \(m) should get weight 0, got \(w[m])")
            }
            let referenceLoss = (expected["log_loss"] as! NSNumber).doubleValue
            let loss = logLoss(w, scores, y, rowWeights)
            #expect(loss <= referenceLoss + 1e-10, "\(name): log loss \(loss) vs SciPy \(referenceLoss)")
            // The test's own loss at the reference weights reproduces the fixture's value.
            #expect(abs(logLoss(reference, scores, y, rowWeights) - referenceLoss) <= 1e-13, "\(name): loss definition")
        }
    }

    @Test func caruanaSelectionMatchesExactly() {
        for item in Self.cases {
            let name = item["name"] as! String
            let expected = item["expected"] as! [String: Any]
            let rounds = (expected["caruana_rounds"] as! NSNumber).intValue
            let w = EnsembleWeights.caruana(rawScores: rawScores(item), labels: labels(item["labels"]), rounds: rounds)
            #expect(w == doubles(expected["caruana_weights"]), "\(name): \(w)")
            #expect(w == integers(expected["caruana_counts"]).map { Double($0) / Double(rounds) }, "\(name): counts")
        }
    }
}
