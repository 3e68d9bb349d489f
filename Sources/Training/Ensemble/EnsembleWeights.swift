import Core
import Foundation
import Tuning

/// Choosing ensemble weights from the members' raw scores on validation rows.
public enum EnsembleWeights {
    /// Weights on the simplex (wₘ ≥ 0, Σ wₘ = 1) minimising the log loss of σ(Σ wₘ zₘ), where
    /// zₘ are member m's raw scores. Parametrised as a softmax and minimised by L-BFGS with the
    /// analytical gradient; weights below 1e-6 are set to 0 and the rest renormalised.
    /// - Parameters: `rawScores[m][i]`: member m's raw score of row i.
    public static func simplex(rawScores: [[Double]], labels: [UInt8], weights: [Double]? = nil) -> [Double] {
        let members = rawScores.count, n = labels.count
        guard members > 1 else { return [Double](repeating: 1, count: members) }
        let rowWeights = weights ?? [Double](repeating: 1, count: n)
        let totalWeight = rowWeights.reduce(0, +)
        func softmax(_ theta: [Double]) -> [Double] {
            let top = theta.max()!
            let e = theta.map { exp($0 - top) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
        let optimiser = LBFGS(tolerance: 1e-9, maximumIterations: 500)
        let result = optimiser.minimise(start: [Double](repeating: 0, count: members), l1: [Double](repeating: 0, count: members)) { theta in
            let w = softmax(theta)
            var loss = 0.0
            var gradientW = [Double](repeating: 0, count: members)
            for i in 0..<n {
                var z = 0.0
                for m in 0..<members { z += w[m] * rawScores[m][i] }
                let y = Double(labels[i])
                loss += rowWeights[i] * (softplus(z) - y * z)
                let residual = rowWeights[i] * (logistic(z) - y)
                for m in 0..<members { gradientW[m] += residual * rawScores[m][i] }
            }
            loss /= totalWeight
            for m in 0..<members { gradientW[m] /= totalWeight }
            let mean = zip(w, gradientW).reduce(0) { $0 + $1.0 * $1.1 }
            return (loss, (0..<members).map { w[$0] * (gradientW[$0] - mean) })
        }
        var w = softmax(result.theta).map { $0 < 1e-6 ? 0 : $0 }
        let sum = w.reduce(0, +)
        w = w.map { $0 / sum }
        return w
    }

    /// Caruana et al.'s greedy ensemble selection (2004): `rounds` times, add (with
    /// replacement) the member whose addition gives the lowest validation log loss of the
    /// averaged raw scores; weights are the selection counts / rounds. Ties go to the lower index.
    public static func caruana(rawScores: [[Double]], labels: [UInt8], rounds: Int = 50) -> [Double] {
        let members = rawScores.count, n = labels.count
        var counts = [Int](repeating: 0, count: members)
        var sum = [Double](repeating: 0, count: n)
        for round in 1...max(1, rounds) {
            var best = 0, bestLoss = Double.infinity
            for m in 0..<members {
                var loss = 0.0
                for i in 0..<n {
                    let z = (sum[i] + rawScores[m][i]) / Double(round)
                    loss += softplus(z) - Double(labels[i]) * z
                }
                if loss < bestLoss { bestLoss = loss; best = m }
            }
            counts[best] += 1
            for i in 0..<n { sum[i] += rawScores[best][i] }
        }
        let total = Double(counts.reduce(0, +))
        return counts.map { Double($0) / total }
    }
}
