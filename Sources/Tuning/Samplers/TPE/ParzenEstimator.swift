import Core
import Foundation

/// Settings of the Parzen estimators, as Optuna's `TPESampler` defaults.
public struct ParzenSettings: Sendable, Equatable {
    /// Weight of the prior component (a wide kernel over the whole range).
    public var priorWeight = 1.0
    /// Clip bandwidths from below at range / min(100, 1 + components) ("magic clip").
    public var magicClip = true
    /// Whether the range ends count as neighbours when sizing univariate bandwidths.
    public var considerEndpoints = false
    /// One joint estimator over all parameters instead of one per parameter. (Optuna 5.0 sizes
    /// bandwidths the same way in both modes; 4.x used Scott's rule for multivariate.)
    public var multivariate = false

    public init() {}
}

/// A mixture of kernels over one or more parameters: the l(x) and g(x) of TPE.
///
/// Components: one per observation plus the prior, with weights (normalised). Per parameter:
/// numerical parameters use truncated normals on the transformed range (log scale for `log`
/// distributions; stepped ranges widened by half a step on each side and scored by the mass of
/// each grid cell), categorical ones a distribution over choices per component — the
/// observation's choice gets +1 over a uniform prior share.
struct ParzenEstimator {
    enum Dimension {
        case numerical(mus: [Double], sigmas: [Double], low: Double, high: Double, step: Double?, log: Bool)
        case categorical(probabilities: [[Double]])
    }

    let weights: [Double]
    let dimensions: [Dimension]

    /// - Parameters:
    ///   - observations: per parameter, the observed internal values (same count for all).
    ///   - weights: the observations' weights (before the prior is added).
    init(observations: [[Double]], distributions: [Distribution], weights observationWeights: [Double], settings: ParzenSettings) {
        let n = observations.first?.count ?? 0
        let priorCount = settings.priorWeight > 0 || n == 0 ? 1 : 0
        var w = observationWeights
        if priorCount == 1 { w.append(settings.priorWeight > 0 ? settings.priorWeight : 1) }
        let total = w.reduce(0, +)
        weights = w.map { $0 / total }
        let components = n + priorCount
        dimensions = zip(observations, distributions).map { values, distribution in
            switch distribution {
            case .categorical(let choices):
                let k = choices.count
                let share = settings.priorWeight / Double(max(1, components))
                var rows = [[Double]](repeating: [Double](repeating: share, count: k), count: components)
                for (i, value) in values.enumerated() { rows[i][Int(value)] += 1 }
                if priorCount == 1 && settings.priorWeight <= 0 { rows[n] = [Double](repeating: 1, count: k) }
                return .categorical(probabilities: rows.map { row in let s = row.reduce(0, +); return row.map { $0 / s } })
            case .float, .int:
                let (low, high, step, log) = Self.transformedRange(distribution)
                var mus = values.map { log ? Foundation.log($0) : $0 }
                var sigmas = Self.neighbourBandwidths(mus, low: low, high: high, considerEndpoints: settings.considerEndpoints)
                if priorCount == 1 {
                    mus.append(0.5 * (low + high))
                    sigmas.append(high - low)
                }
                let maximum = high - low
                let minimum = settings.magicClip ? (high - low) / min(100, 1 + Double(components)) : 1e-12 * max(1, maximum)
                sigmas = sigmas.map { min(max($0, minimum), maximum) }
                return .numerical(mus: mus, sigmas: sigmas, low: low, high: high, step: step, log: log)
            }
        }
    }

    /// The kernel range of a numerical distribution: transformed to log scale for `log`,
    /// widened by half a step for stepped ones.
    static func transformedRange(_ distribution: Distribution) -> (low: Double, high: Double, step: Double?, log: Bool) {
        switch distribution {
        case .float(let low, let high, let log, let step):
            if log { return (Foundation.log(low), Foundation.log(high), nil, true) }
            if let step { return (low - step / 2, high + step / 2, step, false) }
            return (low, high, nil, false)
        case .int(let low, let high, let log, let step):
            if log { return (Foundation.log(Double(low) - 0.5), Foundation.log(Double(high) + 0.5), 1, true) }
            return (Double(low) - Double(step) / 2, Double(high) + Double(step) / 2, Double(step), false)
        case .categorical:
            preconditionFailure("categorical has no numerical range")
        }
    }

    /// Bandwidths from neighbour distances (Optuna 5.0, univariate and multivariate alike):
    /// with the observations sorted between the range ends, each gets the larger of its gaps
    /// to the left and right neighbours — except that (without `considerEndpoints`) the
    /// smallest observation only looks right and the largest only left. A single observation
    /// gets its larger distance to an end. The prior is not a neighbour.
    static func neighbourBandwidths(_ mus: [Double], low: Double, high: Double, considerEndpoints: Bool) -> [Double] {
        let n = mus.count
        if n == 0 { return [] }
        if n == 1 { return [max(mus[0] - low, high - mus[0])] }
        let order = mus.indices.sorted { mus[$0] < mus[$1] || (mus[$0] == mus[$1] && $0 < $1) }
        let s: [Double] = [low] + order.map { mus[$0] } + [high]
        var sorted: [Double] = (0..<n).map { (k: Int) -> Double in
            let left: Double = s[k + 1] - s[k], right: Double = s[k + 2] - s[k + 1]
            return max(left, right)
        }
        if !considerEndpoints {
            sorted[0] = s[2] - s[1]
            sorted[n - 1] = s[n] - s[n - 1]
        }
        var sigmas = [Double](repeating: 0, count: n)
        for (k, index) in order.enumerated() { sigmas[index] = sorted[k] }
        return sigmas
    }

    /// `count` draws (internal values, one array per draw, in parameter order).
    func sample(count: Int, random: inout SeededGenerator) -> [[Double]] {
        (0..<count).map { _ in
            let component = Self.pick(weights, random: &random)
            return dimensions.map { dimension -> Double in
                switch dimension {
                case .categorical(let probabilities):
                    return Double(Self.pick(probabilities[component], random: &random))
                case .numerical(let mus, let sigmas, let low, let high, let step, let log):
                    var x = StandardNormal.sampleTruncated(mu: mus[component], sigma: sigmas[component], low: low, high: high, uniform: random.nextDouble())
                    if log { x = Foundation.exp(x) }
                    if let step, !log {
                        let base = low + step / 2
                        x = base + ((x - base) / step).rounded() * step
                        x = min(max(x, base), high - step / 2)
                    } else if step != nil {
                        x = x.rounded()
                    }
                    return x
                }
            }
        }
    }

    /// log of the mixture's density (mass, for stepped and categorical parameters) at each point.
    func logDensity(_ points: [[Double]]) -> [Double] {
        let logWeights = weights.map { log($0) }
        // Each component's truncation mass depends on the component only: once per call.
        let normalisers: [[Double]] = dimensions.map { dimension in
            guard case .numerical(let mus, let sigmas, let low, let high, _, _) = dimension else { return [] }
            return mus.indices.map { StandardNormal.logMass((low - mus[$0]) / sigmas[$0], (high - mus[$0]) / sigmas[$0]) }
        }
        return points.map { point in
            var terms = logWeights
            for (d, dimension) in dimensions.enumerated() {
                let x = point[d]
                switch dimension {
                case .categorical(let probabilities):
                    for c in terms.indices { terms[c] += log(probabilities[c][Int(x)]) }
                case .numerical(let mus, let sigmas, let low, let high, let step, let log):
                    for c in terms.indices {
                        let mu = mus[c], sigma = sigmas[c]
                        let normaliser = normalisers[d][c]
                        if let step {
                            let t = log ? Foundation.log(x) : x
                            let half = log ? 0.0 : step / 2
                            let lower = log ? Foundation.log(max(x - 0.5, 1e-300)) : t - half
                            let upper = log ? Foundation.log(x + 0.5) : t + half
                            terms[c] += StandardNormal.logMass((max(lower, low) - mu) / sigma, (min(upper, high) - mu) / sigma) - normaliser
                        } else {
                            let t = log ? Foundation.log(x) : x
                            terms[c] += StandardNormal.logPDF((t - mu) / sigma) - Foundation.log(sigma) - normaliser
                        }
                    }
                }
            }
            return logSumExp(terms)
        }
    }

    /// An index drawn with probability proportional to `weights`.
    static func pick(_ weights: [Double], random: inout SeededGenerator) -> Int {
        let total = weights.reduce(0, +)
        var u = random.nextDouble() * total
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return i }
        }
        return weights.count - 1
    }
}
