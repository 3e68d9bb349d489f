import Core
import Foundation

/// Platt scaling: a logistic map p = 1 / (1 + exp(a·s + b)) from a model's raw scores s to
/// calibrated probabilities, fitted on held-out rows.
///
/// As Platt (1999) and scikit-learn's `_sigmoid_calibration`, the targets are smoothed —
/// (N₊ + 1)/(N₊ + 2) for positives and 1/(N₋ + 2) for negatives — so that a separable holdout
/// does not send the map to infinity. The fit minimises the (weighted) cross-entropy by
/// Newton's method with a backtracking line search (Lin, Lin & Weng 2007), which converges in a
/// few steps; it is exact to far below the differences that matter for probabilities.
public struct PlattScaling: Codable, Sendable, Equatable {
    public var a: Double
    public var b: Double

    public init(a: Double, b: Double) {
        self.a = a
        self.b = b
    }

    /// The calibrated probability of raw score `score`.
    @inline(__always)
    public func probability(_ score: Double) -> Double {
        stableLogistic(-(a * score + b))
    }

    /// Fits on (score, label, weight) rows. - Precondition: equal lengths, some rows.
    public static func fit(scores: [Double], labels: [UInt8], weights: [Double]? = nil) -> PlattScaling {
        precondition(scores.count == labels.count && !scores.isEmpty)
        let w = weights ?? [Double](repeating: 1, count: scores.count)
        var positives = 0.0, negatives = 0.0
        for (row, label) in labels.enumerated() { if label == 1 { positives += w[row] } else { negatives += w[row] } }
        let high = (positives + 1) / (positives + 2), low = 1 / (negatives + 2)
        let targets = labels.map { $0 == 1 ? high : low }
        var a = 0.0, b = log((negatives + 1) / (positives + 1))
        func loss(_ a: Double, _ b: Double) -> Double {
            var total = 0.0
            for i in scores.indices {
                let z = a * scores[i] + b
                // −[t·log p + (1−t)·log(1−p)] with p = σ(−z), written stably.
                total += w[i] * (z >= 0 ? targets[i] * z + log1p(exp(-z)) : (targets[i] - 1) * z + log1p(exp(z)))
            }
            return total
        }
        var current = loss(a, b)
        for _ in 0..<100 {
            var gA = 0.0, gB = 0.0, hAA = 1e-12, hAB = 0.0, hBB = 1e-12
            for i in scores.indices {
                let p = PlattScaling(a: a, b: b).probability(scores[i])
                let d = w[i] * (targets[i] - p)           // ∂loss/∂z
                let curvature = w[i] * p * (1 - p)
                gA += d * scores[i]; gB += d
                hAA += curvature * scores[i] * scores[i]; hAB += curvature * scores[i]; hBB += curvature
            }
            if abs(gA) < 1e-12 && abs(gB) < 1e-12 { break }
            let determinant = hAA * hBB - hAB * hAB
            let stepA = -(hBB * gA - hAB * gB) / determinant
            let stepB = -(-hAB * gA + hAA * gB) / determinant
            var size = 1.0
            while size >= 1e-10 {
                let candidate = loss(a + size * stepA, b + size * stepB)
                if candidate < current + 1e-4 * size * (gA * stepA + gB * stepB) {
                    a += size * stepA; b += size * stepB; current = candidate
                    break
                }
                size /= 2
            }
            if size < 1e-10 { break }
        }
        return PlattScaling(a: a, b: b)
    }
}
