import Core
import Foundation

/// The Tree-structured Parzen Estimator (Bergstra et al., 2011) with Optuna's defaults.
///
/// After `startupTrials` random trials, the finished trials are split into the best
/// γ(n) = min(⌈0.1 n⌉, 25) ("below") and the rest ("above"); complete trials rank by value,
/// pruned ones after them (further steps first, then by their last value). A Parzen estimator
/// is fitted to each group — l(x) to below, g(x) to above, observations weighted by
/// ``defaultWeights(_:)`` in trial order — `candidates` points are drawn from l and the one
/// with the largest log l(x) − log g(x) is chosen.
///
/// Univariate (default): one estimator pair per parameter, each sampled independently.
/// Multivariate: one joint estimator over the parameters that are always active (each
/// component a product of per-parameter kernels), so correlated parameters are sampled
/// together; conditional parameters stay univariate.
///
/// Semantics are Optuna 5.0.0's (the reference pinned for the fixtures and the benchmark):
/// bandwidths from neighbour distances in both modes, the prior not counted as a neighbour,
/// minimum bandwidth range / min(100, n + 2). Optuna 4.x differed in the multivariate
/// bandwidth (Scott's rule) and counted the prior as a neighbour.
public struct TPESampler: Sampler {
    public var startupTrials = 10
    public var candidates = 24
    public var settings = ParzenSettings()

    public var name: String { settings.multivariate ? "tpe_multivariate" : "tpe" }

    public init(multivariate: Bool = false, startupTrials: Int = 10, candidates: Int = 24) {
        settings.multivariate = multivariate
        self.startupTrials = startupTrials
        self.candidates = candidates
    }

    /// γ(n) = min(⌈0.1 n⌉, 25): how many trials form the "below" group.
    public static func defaultGamma(_ n: Int) -> Int { min(Int((0.1 * Double(n)).rounded(.up)), 25) }

    /// Observation weights, oldest first: 1 for up to 25 observations; beyond, the older
    /// ones ramp linearly from 1/n up to 1 and the newest 25 weigh 1.
    public static func defaultWeights(_ n: Int) -> [Double] {
        if n == 0 { return [] }
        if n < 25 { return [Double](repeating: 1, count: n) }
        let rampCount = n - 25
        let ramp = (0..<rampCount).map { i in rampCount == 1 ? 1 / Double(n) : 1 / Double(n) + (1 - 1 / Double(n)) * Double(i) / Double(rampCount - 1) }
        return ramp + [Double](repeating: 1, count: 25)
    }

    public func sample(space: SearchSpace, history: [Trial], direction: Direction, random: inout SeededGenerator) -> [String: Double] {
        let usable = history.filter { ($0.state == .complete && $0.loss(direction) != nil) || ($0.state == .pruned && !$0.intermediateValues.isEmpty) }
        guard usable.count >= startupTrials else {
            return RandomSampler().sample(space: space, history: history, direction: direction, random: &random)
        }
        let (below, above) = Self.split(usable, direction: direction)
        var values: [String: Double] = [:]
        let joint = settings.multivariate ? space.parameters.filter { $0.condition == nil } : []
        if joint.count > 1 {
            let chosen = choose(joint, below: below, above: above, random: &random)
            for (parameter, value) in zip(joint, chosen) { values[parameter.name] = value }
        }
        for parameter in space.parameters where values[parameter.name] == nil && space.isActive(parameter, given: values) {
            values[parameter.name] = choose([parameter], below: below, above: above, random: &random)[0]
        }
        return values
    }

    /// The candidate with the best log l − log g for `parameters` (jointly).
    private func choose(_ parameters: [Parameter], below: [Trial], above: [Trial], random: inout SeededGenerator) -> [Double] {
        let names = parameters.map(\.name)
        let distributions = parameters.map(\.distribution)
        func observations(_ trials: [Trial]) -> [[Double]] {
            let having = trials.filter { trial in names.allSatisfy { trial.internalParameters[$0] != nil } }
            return names.map { name in having.map { $0.internalParameters[name]! } }
        }
        let belowObservations = observations(below), aboveObservations = observations(above)
        let l = ParzenEstimator(observations: belowObservations, distributions: distributions,
                                weights: Self.defaultWeights(belowObservations[0].count), settings: settings)
        let g = ParzenEstimator(observations: aboveObservations, distributions: distributions,
                                weights: Self.defaultWeights(aboveObservations[0].count), settings: settings)
        let points = l.sample(count: candidates, random: &random)
        let scores = zip(l.logDensity(points), g.logDensity(points)).map { $0 - $1 }
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return points[best]
    }

    /// Below (the best γ(n)) and above, each in trial order.
    static func split(_ trials: [Trial], direction: Direction) -> (below: [Trial], above: [Trial]) {
        let complete = trials.filter { $0.state == .complete }.sorted { ($0.loss(direction)!, $0.number) < ($1.loss(direction)!, $1.number) }
        let pruned = trials.filter { $0.state == .pruned }.sorted { a, b in
            let (stepA, valueA) = a.intermediateValues.max { $0.key < $1.key }!
            let (stepB, valueB) = b.intermediateValues.max { $0.key < $1.key }!
            let lossA = direction == .minimize ? valueA : -valueA, lossB = direction == .minimize ? valueB : -valueB
            return (-stepA, lossA, a.number) < (-stepB, lossB, b.number)
        }
        let ranked = complete + pruned
        let count = defaultGamma(ranked.count)
        return (Array(ranked.prefix(count)).sorted { $0.number < $1.number }, Array(ranked.dropFirst(count)).sorted { $0.number < $1.number })
    }
}
