import Core
import Evaluation
import Foundation

/// The binary log-loss objective: for label y ∈ {0, 1}, raw score s and p = σ(s), the gradient
/// is w·(p − y) and the hessian w·p·(1 − p), where w is the row's weight (sample weight ×
/// class weight).
enum BinaryLogLoss {
    /// Per-row weights: sample weights times class weights (`scale_pos_weight` for positives,
    /// or n / (2·n_class) when balanced). `nil` when every weight is 1.
    static func rowWeights(labels: [UInt8], sampleWeights: [Float]?, parameters: GBDTParameters) -> [Float]? {
        var positiveWeight = parameters.scalePositiveWeight, negativeWeight = 1.0
        if parameters.balanced {
            let positives = Double(labels.reduce(0) { $0 + Int($1) })
            let n = Double(labels.count)
            positiveWeight = n / (2 * positives)
            negativeWeight = n / (2 * (n - positives))
        }
        if sampleWeights == nil && positiveWeight == 1 && negativeWeight == 1 { return nil }
        return labels.indices.map { row in
            Float(Double(sampleWeights?[row] ?? 1) * (labels[row] == 1 ? positiveWeight : negativeWeight))
        }
    }

    /// The starting raw score: the log-odds of the weighted positive rate (LightGBM's
    /// `boost_from_average`).
    static func initialScore(labels: [UInt8], weights: [Float]?) -> Double {
        var positive = 0.0, total = 0.0
        for row in labels.indices {
            let w = Double(weights?[row] ?? 1)
            total += w
            if labels[row] == 1 { positive += w }
        }
        let p = min(max(positive / total, 1e-15), 1 - 1e-15)
        return logit(p)
    }

    /// Fills `pairs` (gradient of row i at 2i, hessian at 2i + 1: one cache line holds both,
    /// which saves a miss per row when histograms gather them) for `scores`, in blocks on
    /// `threads` threads.
    static func gradients(scores: [Double], labels: [UInt8], weights: [Float]?, into pairs: inout [Float], threads: Int) {
        let n = scores.count
        let blockSize = 8_192  // about 0.1 ms of work: small tables use every thread too
        pairs.withUnsafeMutableBufferPointer { out in
            let output = UncheckedSendable(out)
            parallelFor((n + blockSize - 1) / blockSize, threads: threads) { block in
                for row in (block * blockSize)..<min(n, (block + 1) * blockSize) {
                    let p = logistic(scores[row])
                    let w = Double(weights?[row] ?? 1)
                    output.value[2 * row] = Float(w * (p - Double(labels[row])))
                    output.value[2 * row + 1] = Float(max(w * p * (1 - p), 1e-16))
                }
            }
        }
    }
}
