/// Limited-memory BFGS for smooth convex objectives, extended to an added L1 term by OWL-QN
/// (Andrew & Gao, 2007): minimises `f(θ) + Σⱼ l1[j] |θⱼ|` given f's value and gradient.
///
/// Plain L-BFGS when every `l1[j]` is 0: two-loop recursion over the last `memory` steps,
/// initial scaling sᵀy / yᵀy, backtracking line search with the Armijo condition. With L1
/// terms the search direction comes from the pseudo-gradient, is confined to its orthant, and
/// each trial point is projected back onto that orthant, which sets coefficients exactly to
/// zero. Converged when the largest absolute (pseudo-)gradient component is at most
/// `tolerance` — scikit-learn's `tol` for its lbfgs solver on the same objective scale.
public struct LBFGS: Sendable {
    public var memory = 10
    public var tolerance = 1e-4
    public var maximumIterations = 1000
    /// Also stop (as converged) when an iteration lowers the objective by at most this share
    /// of its size, as L-BFGS-B's `ftol`; 0 disables the test.
    public var valueTolerance = 0.0

    public init(memory: Int = 10, tolerance: Double = 1e-4, maximumIterations: Int = 1000, valueTolerance: Double = 0) {
        self.memory = memory
        self.tolerance = tolerance
        self.maximumIterations = maximumIterations
        self.valueTolerance = valueTolerance
    }

    public struct Result: Sendable {
        public var theta: [Double]
        public var value: Double
        public var iterations: Int
        public var converged: Bool
        /// The largest absolute (pseudo-)gradient component at `theta`.
        public var gradientNorm: Double
    }

    public func minimise(start: [Double], l1: [Double], _ valueAndGradient: ([Double]) -> (value: Double, gradient: [Double])) -> Result {
        let n = start.count
        precondition(l1.count == n)
        let hasL1 = l1.contains { $0 > 0 }
        func penalty(_ theta: [Double]) -> Double {
            hasL1 ? zip(theta, l1).reduce(0) { $0 + abs($1.0) * $1.1 } : 0
        }
        /// The pseudo-gradient of f + L1 (the gradient when there is no L1 term).
        func pseudoGradient(_ theta: [Double], _ g: [Double]) -> [Double] {
            guard hasL1 else { return g }
            return (0..<n).map { j in
                let weight = l1[j]
                if weight == 0 { return g[j] }
                if theta[j] > 0 { return g[j] + weight }
                if theta[j] < 0 { return g[j] - weight }
                if g[j] + weight < 0 { return g[j] + weight }
                if g[j] - weight > 0 { return g[j] - weight }
                return 0
            }
        }

        var theta = start
        var (smooth, gradient) = valueAndGradient(theta)
        var value = smooth + penalty(theta)
        var pg = pseudoGradient(theta, gradient)
        var steps: [[Double]] = [], changes: [[Double]] = [], curvatures: [Double] = []
        var iteration = 0
        while true {
            let norm = pg.reduce(0) { max($0, abs($1)) }
            if norm <= tolerance { return Result(theta: theta, value: value, iterations: iteration, converged: true, gradientNorm: norm) }
            if iteration >= maximumIterations { return Result(theta: theta, value: value, iterations: iteration, converged: false, gradientNorm: norm) }
            iteration += 1

            // Two-loop recursion: direction = −H·pg.
            var q = pg
            var alphas = [Double](repeating: 0, count: steps.count)
            for k in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[k] = curvatures[k] * dot(steps[k], q)
                for j in 0..<n { q[j] -= alphas[k] * changes[k][j] }
            }
            if let s = steps.last, let y = changes.last {
                let scale = dot(s, y) / dot(y, y)
                for j in 0..<n { q[j] *= scale }
            }
            for k in 0..<steps.count {
                let beta = curvatures[k] * dot(changes[k], q)
                for j in 0..<n { q[j] += steps[k][j] * (alphas[k] - beta) }
            }
            var direction = q.map { -$0 }
            if hasL1 {
                // Keep the direction in the orthant of −pg.
                for j in 0..<n where direction[j] * pg[j] >= 0 { direction[j] = 0 }
            }
            var slope = dot(direction, pg)
            if slope >= 0 {
                // Not a descent direction (curvature pairs went stale): restart from steepest descent.
                steps.removeAll(); changes.removeAll(); curvatures.removeAll()
                direction = pg.map { -$0 }
                slope = -dot(pg, pg)
            }
            // The orthant each coordinate may move in (OWL-QN).
            let orthant: [Double] = hasL1 ? (0..<n).map { theta[$0] != 0 ? (theta[$0] > 0 ? 1 : -1) : (pg[$0] > 0 ? -1 : 1) } : []
            var step = steps.isEmpty ? min(1, 1 / max(norm, 1e-300)) : 1
            var accepted = false
            var candidate = theta, candidateSmooth = smooth, candidateGradient = gradient, candidateValue = value
            for _ in 0..<40 {
                for j in 0..<n {
                    var v = theta[j] + step * direction[j]
                    if hasL1 && l1[j] > 0 && v * orthant[j] < 0 { v = 0 }
                    candidate[j] = v
                }
                (candidateSmooth, candidateGradient) = valueAndGradient(candidate)
                candidateValue = candidateSmooth + penalty(candidate)
                let decrease = hasL1 ? dot(zip(candidate, theta).map { $0 - $1 }, pg) : step * slope
                if candidateValue <= value + 1e-4 * decrease { accepted = true; break }
                // Near the optimum f changes by less than its rounding error, so Armijo cannot
                // see progress; a step that keeps f within rounding and shrinks the
                // (pseudo-)gradient is progress all the same.
                if candidateValue <= value + 4 * Double.ulpOfOne * abs(value) {
                    let candidateNorm = pseudoGradient(candidate, candidateGradient).reduce(0) { max($0, abs($1)) }
                    if candidateNorm < norm { accepted = true; break }
                }
                step *= 0.5
            }
            if !accepted {
                return Result(theta: theta, value: value, iterations: iteration, converged: norm <= tolerance * 10, gradientNorm: norm)
            }
            let s = zip(candidate, theta).map { $0 - $1 }, y = zip(candidateGradient, gradient).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                steps.append(s); changes.append(y); curvatures.append(1 / sy)
                if steps.count > memory { steps.removeFirst(); changes.removeFirst(); curvatures.removeFirst() }
            }
            let decrease = value - candidateValue, scale = max(abs(value), abs(candidateValue), 1)
            theta = candidate; smooth = candidateSmooth; gradient = candidateGradient; value = candidateValue
            pg = pseudoGradient(theta, gradient)
            if valueTolerance > 0 && decrease <= valueTolerance * scale {
                return Result(theta: theta, value: value, iterations: iteration, converged: true, gradientNorm: pg.reduce(0) { max($0, abs($1)) })
            }
        }
    }
}

@inline(__always)
public func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for j in 0..<a.count { sum += a[j] * b[j] }
    return sum
}
