import Core
import Evaluation
import CLinearAlgebra
import Foundation
import Tuning

/// The penalty of a logistic regression, as scikit-learn's `penalty`.
public enum Penalty: String, Codable, Sendable, CaseIterable {
    case none, l2, l1, elasticnet
}

/// The optimiser of a logistic regression.
public enum LogisticSolver: String, Codable, Sendable, CaseIterable {
    /// Newton with a Cholesky solve when the penalty is smooth and the Hessian is cheap
    /// (n·(p+1)² ≤ 10⁹: it costs that per iteration but converges in a handful); L-BFGS /
    /// OWL-QN otherwise.
    case auto
    /// Newton's method, the Hessian factored by LAPACK `dpotrf` (L2 or no penalty only).
    case newton
    /// L-BFGS; OWL-QN when there is an L1 term.
    case lbfgs
}

/// Why a logistic regression could not be fitted.
public struct LogisticRegressionError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }
}

/// Fitting a binary logistic regression on a design matrix, with scikit-learn's objective:
///
///     C Σᵢ wᵢ ℓᵢ(β, b) + (1 − ρ)/2 ‖β‖² + ρ ‖β‖₁
///
/// with ρ = 0 for `l2`, 1 for `l1`, `l1Ratio` for `elasticnet`, and no penalty for `none`; the
/// intercept is not penalised. Internally the objective is divided by C·W (W = Σ wᵢ), which
/// changes neither the minimiser nor, therefore, the coefficients — and puts the gradient on
/// the scale scikit-learn's `tol` refers to.
public enum LogisticRegression {
    public struct Fit: Sendable, Equatable {
        public var coefficients: [Double]
        public var intercept: Double
        public var iterations: Int
        public var converged: Bool
        /// The largest absolute (pseudo-)gradient component at the solution.
        public var gradientNorm: Double
        public var solver: LogisticSolver
    }

    /// Fits β and b. `weights` are per row (sample weights times class weights).
    public static func fit(x: DenseMatrix, labels: [UInt8], weights: [Double], C: Double, penalty: Penalty, l1Ratio: Double = 0.5,
                           solver: LogisticSolver = .auto, tolerance: Double = 1e-4, maximumIterations: Int = 1000,
                           threads: Int = defaultThreadCount) throws(LogisticRegressionError) -> Fit {
        guard x.rowCount > 0 else { throw LogisticRegressionError(message: "logistic regression: no training rows") }
        guard C > 0 && C.isFinite else { throw LogisticRegressionError(message: "logistic regression: C must be positive, not \(C)") }
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }) else { throw LogisticRegressionError(message: "logistic regression: sample weights must be finite and non-negative") }
        let total = weights.reduce(0, +)
        let positiveWeight = zip(labels, weights).reduce(0.0) { $0 + ($1.0 == 1 ? $1.1 : 0) }
        guard positiveWeight > 0 && positiveWeight < total else {
            throw LogisticRegressionError(message: "logistic regression: the training labels hold one class only; a classifier needs both 0 and 1")
        }
        let rho: Double
        switch penalty {
        case .none: rho = 0
        case .l2: rho = 0
        case .l1: rho = 1
        case .elasticnet:
            guard (0...1).contains(l1Ratio) else { throw LogisticRegressionError(message: "logistic regression: l1 ratio must be in [0, 1], not \(l1Ratio)") }
            rho = l1Ratio
        }
        let scale = 1 / (C * total)
        let l2 = penalty == .none ? 0 : (1 - rho) * scale
        let l1 = penalty == .none ? 0 : rho * scale
        let objective = LogisticObjective(x: x, labels: labels, weights: weights, l2: l2, threads: threads)
        let p = x.columnCount

        var chosen = solver
        if chosen == .auto {
            // Newton's Hessian costs n·(p+1)² multiply-adds per iteration; past about 10⁹ the
            // cheaper L-BFGS iterations win (measured in bench/linear_vs_sklearn.sh).
            let hessianCost = Double(x.rowCount) * Double(p + 1) * Double(p + 1)
            chosen = l1 == 0 && hessianCost <= 1e9 ? .newton : .lbfgs
        }
        if chosen == .newton {
            guard l1 == 0 else { throw LogisticRegressionError(message: "logistic regression: the Newton solver needs a smooth penalty (l2 or none); use lbfgs for l1 and elasticnet") }
            if let fit = newton(objective, tolerance: tolerance, maximumIterations: min(maximumIterations, 100)) { return fit }
            chosen = .lbfgs  // singular Hessian (no penalty, collinear columns): fall back
        }
        var optimiser = LBFGS()
        optimiser.tolerance = tolerance
        optimiser.maximumIterations = maximumIterations
        let l1Weights = (0...p).map { $0 < p ? l1 : 0 }
        let result = optimiser.minimise(start: [Double](repeating: 0, count: p + 1), l1: l1Weights, objective.valueAndGradient)
        return Fit(coefficients: Array(result.theta[0..<p]), intercept: result.theta[p], iterations: result.iterations,
                   converged: result.converged, gradientNorm: result.gradientNorm, solver: .lbfgs)
    }

    /// Newton's method with a backtracking line search; nil if the Hessian is not positive
    /// definite (then the caller falls back to L-BFGS).
    static func newton(_ objective: LogisticObjective, tolerance: Double, maximumIterations: Int) -> Fit? {
        let q = objective.parameterCount
        var theta = [Double](repeating: 0, count: q)
        var (value, gradient) = objective.valueAndGradient(theta)
        var iteration = 0
        while true {
            let norm = gradient.reduce(0) { max($0, abs($1)) }
            if norm <= tolerance || iteration >= maximumIterations {
                return Fit(coefficients: Array(theta[0..<(q - 1)]), intercept: theta[q - 1], iterations: iteration,
                           converged: norm <= tolerance, gradientNorm: norm, solver: .newton)
            }
            iteration += 1
            var h = objective.hessian(theta)
            var step = gradient
            let info = h.withUnsafeMutableBufferPointer { hp in
                step.withUnsafeMutableBufferPointer { sp in
                    LAPACKE_dposv(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), Int32(q), 1, hp.baseAddress!, Int32(q), sp.baseAddress!, 1)
                }
            }
            guard info == 0 else { return nil }
            // theta − t·H⁻¹g with the largest t in 1, ½, ¼, … that decreases f enough.
            let slope = -dot(step, gradient)
            var t = 1.0
            var accepted = false
            for _ in 0..<50 {
                let candidate = (0..<q).map { theta[$0] - t * step[$0] }
                let (candidateValue, candidateGradient) = objective.valueAndGradient(candidate)
                if candidateValue <= value + 1e-4 * t * slope || abs(candidateValue - value) <= 1e-15 * max(1, abs(value)) {
                    let unchanged = candidate == theta
                    theta = candidate; value = candidateValue; gradient = candidateGradient
                    accepted = !unchanged
                    break
                }
                t *= 0.5
            }
            if !accepted {
                let norm = gradient.reduce(0) { max($0, abs($1)) }
                return Fit(coefficients: Array(theta[0..<(q - 1)]), intercept: theta[q - 1], iterations: iteration,
                           converged: norm <= tolerance * 10, gradientNorm: norm, solver: .newton)
            }
        }
    }
}
