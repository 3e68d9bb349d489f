import CLinearAlgebra
import Core
import Foundation

/// Gaussian-process Bayesian optimisation, after Optuna's `GPSampler`.
///
/// - Parameters are mapped to the unit cube (log scale where `log`; stepped ranges widened by
///   half a step each side); categorical parameters stay as choice indices and the kernel
///   compares them by equality. Objective values are sign-flipped to maximisation and
///   standardised.
/// - Kernel hyperparameters are the maximum a posteriori estimate: log marginal likelihood plus
///   Optuna's log prior — −Σ(0.1/ℓ + 0.1 ℓ) on the inverse squared lengthscales, Gamma(2, 1) on
///   the kernel scale, Gamma(1.1, 30) on the noise variance (at least 10⁻⁶) — maximised by
///   L-BFGS with the analytical gradient, from all-ones, in log parameters.
/// - The next point maximises log expected improvement over the best standardised value: the
///   best of 2,048 quasi-random points (a Halton sequence with a random shift), the best trial so
///   far and 8 more of those points picked by roulette on exp(log EI) start local searches —
///   L-BFGS on the continuous coordinates, exhaustive over categorical choices and grid values,
///   alternating until nothing improves.
/// - Until `startupTrials` trials have completed, and for conditional parameters, it samples at
///   random.
public struct GPSampler: Sampler {
    public var startupTrials = 10
    public var preliminarySamples = 2048
    public var localSearches = 10
    public var minimumNoise = 1e-6

    public var name: String { "gp" }

    public init(startupTrials: Int = 10) { self.startupTrials = startupTrials }

    public func sample(space: SearchSpace, history: [Trial], direction: Direction, random: inout SeededGenerator) -> [String: Double] {
        let parameters = space.parameters.filter { $0.condition == nil }
        let complete = history.filter { $0.state == .complete && $0.loss(direction) != nil && $0.loss(direction)!.isFinite }
            .filter { trial in parameters.allSatisfy { trial.internalParameters[$0.name] != nil } }
        var values: [String: Double] = [:]
        if complete.count >= startupTrials && !parameters.isEmpty {
            let coordinates = parameters.map { UnitCoordinate($0.distribution) }
            let inputs = complete.map { trial in zip(parameters, coordinates).map { $1.normalise(trial.internalParameters[$0.name]!) } }
            let scores = complete.map { -$0.loss(direction)! }
            let mean = scores.reduce(0, +) / Double(scores.count)
            let deviation = max(1e-10, (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)).squareRoot())
            let outputs = scores.map { ($0 - mean) / deviation }
            let isCategorical = coordinates.map(\.isCategorical)
            let kernel = Self.fitKernel(inputs: inputs, outputs: outputs, isCategorical: isCategorical, minimumNoise: minimumNoise)
            if let gp = GaussianProcess(inputs: inputs, outputs: outputs, isCategorical: isCategorical, parameters: kernel) {
                let best = outputs.max()!
                let start = inputs[outputs.firstIndex(of: best)!]
                let x = maximiseAcquisition(gp, coordinates: coordinates, threshold: best, incumbent: start, random: &random)
                for (parameter, (coordinate, value)) in zip(parameters, zip(coordinates, x)) { values[parameter.name] = coordinate.denormalise(value) }
            }
        }
        // Start-up trials, a failed fit and conditional parameters: uniform draws.
        for parameter in space.parameters where values[parameter.name] == nil && space.isActive(parameter, given: values) {
            values[parameter.name] = RandomSampler.draw(parameter.distribution, random: &random)
        }
        return values
    }

    // MARK: Kernel fit

    /// The MAP kernel parameters (see the type's documentation).
    static func fitKernel(inputs: [[Double]], outputs: [Double], isCategorical: [Bool], minimumNoise: Double) -> KernelParameters {
        let d = isCategorical.count
        let initial = [Double](repeating: 0, count: d + 1) + [log(1 - 0.99 * minimumNoise)]
        let optimiser = LBFGS(tolerance: 1e-2, maximumIterations: 200)
        let result = optimiser.minimise(start: initial, l1: [Double](repeating: 0, count: d + 2)) { raw in
            let (value, gradient) = logPosterior(raw: raw, inputs: inputs, outputs: outputs, isCategorical: isCategorical, minimumNoise: minimumNoise)
            return (-value, gradient.map { -$0 })
        }
        return kernelParameters(raw: result.theta, dimension: d, minimumNoise: minimumNoise)
    }

    static func kernelParameters(raw: [Double], dimension d: Int, minimumNoise: Double) -> KernelParameters {
        KernelParameters(inverseSquaredLengthscales: raw[0..<d].map { exp($0) }, kernelScale: exp(raw[d]), noiseVariance: exp(raw[d + 1]) + minimumNoise)
    }

    /// Optuna's log prior of the kernel parameters.
    public static func logPrior(_ parameters: KernelParameters) -> Double {
        let lengthscales = parameters.inverseSquaredLengthscales.reduce(0) { $0 - (0.1 / $1 + 0.1 * $1) }
        let scale = (2 - 1) * log(parameters.kernelScale) - 1 * parameters.kernelScale
        let noise = (1.1 - 1) * log(parameters.noiseVariance) - 30 * parameters.noiseVariance
        return lengthscales + scale + noise
    }

    /// Log marginal likelihood + log prior and its gradient in the raw (log) parameters
    /// [log ℓ₁ … log ℓ_d, log s, log(σ²ₙ − minimum)]; −∞ if the kernel matrix is singular.
    static func logPosterior(raw: [Double], inputs: [[Double]], outputs: [Double], isCategorical: [Bool], minimumNoise: Double) -> (Double, [Double]) {
        let d = isCategorical.count, n = inputs.count
        let parameters = kernelParameters(raw: raw, dimension: d, minimumNoise: minimumNoise)
        guard raw.allSatisfy({ $0.isFinite && abs($0) < 50 }),
              let gp = GaussianProcess(inputs: inputs, outputs: outputs, isCategorical: isCategorical, parameters: parameters) else {
            return (-1e300, [Double](repeating: 0, count: d + 2))
        }
        let value = gp.logMarginalLikelihood + logPrior(parameters)
        // W = α αᵀ − C⁻¹; ∂/∂θ = ½ Σ W ∘ ∂C/∂θ.
        var inverse = gp.factor
        _ = inverse.withUnsafeMutableBufferPointer { LAPACKE_dpotri(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), $0.baseAddress!, Int32(n)) }
        var gradient = [Double](repeating: 0, count: d + 2)
        for i in 0..<n {
            for j in 0...i {
                let inverseIJ = inverse[i * n + j]  // lower triangle holds C⁻¹
                let w = gp.alpha[i] * gp.alpha[j] - inverseIJ
                let factor = i == j ? 0.5 : 1.0  // off-diagonal pairs count twice
                var r2 = 0.0
                var squares = [Double](repeating: 0, count: d)
                for k in 0..<d {
                    let delta = isCategorical[k] ? (inputs[i][k] == inputs[j][k] ? 0 : 1) : inputs[i][k] - inputs[j][k]
                    squares[k] = delta * delta
                    r2 += parameters.inverseSquaredLengthscales[k] * squares[k]
                }
                let r = r2.squareRoot(), s5r = 5.0.squareRoot() * r
                let m = (1 + s5r + 5.0 / 3.0 * r2) * exp(-s5r)
                let derivative = -5.0 / 6.0 * (1 + s5r) * exp(-s5r)
                for k in 0..<d where squares[k] > 0 {
                    gradient[k] += factor * w * parameters.kernelScale * derivative * squares[k] * parameters.inverseSquaredLengthscales[k]
                }
                gradient[d] += factor * w * parameters.kernelScale * m
                if i == j { gradient[d + 1] += factor * w * (parameters.noiseVariance - minimumNoise) }
            }
        }
        for k in 0..<d { let l = parameters.inverseSquaredLengthscales[k]; gradient[k] += 0.1 / l - 0.1 * l }
        gradient[d] += 1 - parameters.kernelScale
        gradient[d + 1] += (parameters.noiseVariance - minimumNoise) * (0.1 / parameters.noiseVariance - 30)
        return (value, gradient)
    }

    // MARK: Acquisition

    private func maximiseAcquisition(_ gp: GaussianProcess, coordinates: [UnitCoordinate], threshold: Double, incumbent: [Double],
                                     random: inout SeededGenerator) -> [Double] {
        func acquisition(_ x: [Double]) -> Double {
            let (mean, variance) = gp.posterior(x)
            return logExpectedImprovement(mean: mean, variance: variance, threshold: threshold)
        }
        let d = coordinates.count
        let shift = (0..<d).map { _ in random.nextDouble() }
        let samples = (0..<preliminarySamples).map { index in
            (0..<d).map { k in coordinates[k].snap(fmod(Self.halton(index + 1, base: Self.primes[k % Self.primes.count]) + shift[k], 1)) }
        }
        let values = samples.map(acquisition)
        let bestSample = values.indices.max { values[$0] < values[$1] }!
        var starts = [incumbent, samples[bestSample]]
        var weights = values.map { exp($0 - values[bestSample]) }
        weights[bestSample] = 0
        for _ in 0..<max(0, localSearches - 2) {
            let total = weights.reduce(0, +)
            guard total > 0 else { break }
            var u = random.nextDouble() * total, pick = weights.count - 1
            for (i, w) in weights.enumerated() { u -= w; if u < 0 { pick = i; break } }
            starts.append(samples[pick])
            weights[pick] = 0
        }
        var best = samples[bestSample], bestValue = values[bestSample]
        for start in starts {
            let (x, value) = localSearch(from: start, coordinates: coordinates, acquisition)
            if value > bestValue { best = x; bestValue = value }
        }
        return best
    }

    /// Alternates L-BFGS over the continuous coordinates with exhaustive passes over discrete
    /// ones until an alternation improves by less than 1e-9.
    private func localSearch(from start: [Double], coordinates: [UnitCoordinate], _ acquisition: ([Double]) -> Double) -> ([Double], Double) {
        var x = start, value = acquisition(start)
        let continuous = coordinates.indices.filter { coordinates[$0].choices == nil }
        for _ in 0..<10 {
            let before = value
            if !continuous.isEmpty {
                let clamp = { (y: [Double]) -> [Double] in
                    var full = x
                    for (k, index) in continuous.enumerated() { full[index] = min(max(y[k], 0), 1) }
                    return full
                }
                // Optuna's local search: L-BFGS-B with pgtol √tol = 0.01 (and its default ftol).
                let optimiser = LBFGS(tolerance: 1e-2, maximumIterations: 50, valueTolerance: 2.2e-9)
                let result = optimiser.minimise(start: continuous.map { x[$0] }, l1: [Double](repeating: 0, count: continuous.count)) { y in
                    let f = -acquisition(clamp(y))
                    let gradient = y.indices.map { k -> Double in
                        var up = y, down = y
                        up[k] += 1e-6; down[k] -= 1e-6
                        return (-acquisition(clamp(up)) + acquisition(clamp(down))) / 2e-6
                    }
                    return (f, gradient)
                }
                let candidate = clamp(result.theta)
                let candidateValue = acquisition(candidate)
                if candidateValue > value { x = candidate; value = candidateValue }
            }
            for (index, coordinate) in coordinates.enumerated() {
                guard let choices = coordinate.choices else { continue }
                for choice in choices where choice != x[index] {
                    var candidate = x
                    candidate[index] = choice
                    let candidateValue = acquisition(candidate)
                    if candidateValue > value { x = candidate; value = candidateValue }
                }
            }
            if value - before < 1e-9 { break }
        }
        return (x, value)
    }

    static let primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97]

    /// The `index`-th element of the van der Corput sequence in `base`.
    static func halton(_ index: Int, base: Int) -> Double {
        var result = 0.0, fraction = 1.0 / Double(base), i = index
        while i > 0 {
            result += Double(i % base) * fraction
            i /= base
            fraction /= Double(base)
        }
        return result
    }
}

/// One parameter's coordinate in the GP's input space.
struct UnitCoordinate {
    let distribution: Distribution
    /// For categorical parameters: the choice indices; for stepped ones with at most 64 values:
    /// the grid in [0, 1]; nil otherwise (searched as continuous).
    private(set) var choices: [Double]?
    var isCategorical: Bool { distribution.isCategorical }

    init(_ distribution: Distribution) {
        self.distribution = distribution
        switch distribution {
        case .categorical(let names):
            choices = names.indices.map(Double.init)
        case .float(_, _, _, nil):
            choices = nil
        case .float(let low, let high, _, let step?):
            let count = Int(((high - low) / step).rounded(.down)) + 1
            choices = nil
            if count <= 64 { gridValues = (0..<count).map { low + Double($0) * step } }
        case .int(let low, let high, _, let step):
            let count = (high - low) / step + 1
            choices = nil
            if count <= 64 { gridValues = (0..<count).map { Double(low + $0 * step) } }
        }
        if let gridValues { choices = gridValues.map { normalise($0) } }
    }

    /// The values of a stepped parameter with at most 64 of them (searched exhaustively, like
    /// categorical choices); larger grids are searched as continuous and rounded.
    private var gridValues: [Double]?

    /// The kernel range: log scale where `log`, widened by half a step.
    private var range: (low: Double, high: Double, log: Bool) {
        switch distribution {
        case .float(let low, let high, let log, let step):
            let half = (step ?? 0) / 2
            return log ? (Foundation.log(low - half), Foundation.log(high + half), true) : (low - half, high + half, false)
        case .int(let low, let high, let log, let step):
            let half = Double(step) / 2
            return log ? (Foundation.log(Double(low) - half), Foundation.log(Double(high) + half), true) : (Double(low) - half, Double(high) + half, false)
        case .categorical:
            return (0, 1, false)
        }
    }

    func normalise(_ x: Double) -> Double {
        if isCategorical { return x }
        let (low, high, log) = range
        guard high > low else { return 0.5 }
        return ((log ? Foundation.log(x) : x) - low) / (high - low)
    }

    func denormalise(_ u: Double) -> Double {
        if isCategorical { return u }
        let (low, high, log) = range
        let t = low + min(max(u, 0), 1) * (high - low)
        let x = log ? exp(t) : t
        // Onto the grid (and the range) for stepped parameters.
        return distribution.value(internal: x).double
    }

    /// A unit-interval sample mapped to this coordinate (choice index for categoricals, grid
    /// point for stepped parameters).
    func snap(_ u: Double) -> Double {
        if case .categorical(let names) = distribution { return min(Double(names.count - 1), (u * Double(names.count)).rounded(.down)) }
        switch distribution {
        case .float(_, _, _, nil): return u
        default: return normalise(denormalise(u))
        }
    }
}
