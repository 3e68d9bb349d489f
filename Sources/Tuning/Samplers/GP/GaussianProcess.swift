import CLinearAlgebra
import Foundation

/// Kernel hyperparameters of the Gaussian process.
public struct KernelParameters: Sendable, Equatable {
    /// One per input dimension (ARD): 1 / lengthscale².
    public var inverseSquaredLengthscales: [Double]
    public var kernelScale: Double
    public var noiseVariance: Double

    public init(inverseSquaredLengthscales: [Double], kernelScale: Double, noiseVariance: Double) {
        self.inverseSquaredLengthscales = inverseSquaredLengthscales
        self.kernelScale = kernelScale
        self.noiseVariance = noiseVariance
    }
}

/// A Gaussian-process regression model over inputs in the unit cube (categorical dimensions as
/// choice indices): Matérn-5/2 kernel with automatic relevance determination,
///
///     r² = Σ_d ℓ_d · δ_d(x, y)²,  δ_d = x_d − y_d (continuous) or [x_d ≠ y_d] (categorical)
///     k(x, y) = s · (1 + √5 r + 5/3 r²) · exp(−√5 r)
///
/// with observation noise σ²_n on the diagonal. The posterior comes from a LAPACK Cholesky
/// factorisation (`dpotrf`) of K + σ²_n I.
public struct GaussianProcess: Sendable {
    public let inputs: [[Double]]
    public let outputs: [Double]
    public let isCategorical: [Bool]
    public let parameters: KernelParameters
    /// Lower Cholesky factor of K + σ²_n I, row-major n × n.
    let factor: [Double]
    /// (K + σ²_n I)⁻¹ y.
    let alpha: [Double]

    /// Fits the posterior; nil if the kernel matrix is not positive definite.
    public init?(inputs: [[Double]], outputs: [Double], isCategorical: [Bool], parameters: KernelParameters) {
        BLASThreads.useCallerThreads()
        self.inputs = inputs
        self.outputs = outputs
        self.isCategorical = isCategorical
        self.parameters = parameters
        let n = inputs.count
        var matrix = Self.kernelMatrix(inputs, isCategorical: isCategorical, parameters: parameters)
        for i in 0..<n { matrix[i * n + i] += parameters.noiseVariance }
        guard Self.choleskyInPlace(&matrix, n) else { return nil }
        factor = matrix
        alpha = Self.solve(factor, n, outputs)
    }

    /// k(a, b) without noise.
    public static func kernel(_ a: [Double], _ b: [Double], isCategorical: [Bool], parameters: KernelParameters) -> Double {
        var r2 = 0.0
        for d in 0..<a.count {
            let delta = isCategorical[d] ? (a[d] == b[d] ? 0 : 1) : a[d] - b[d]
            r2 += parameters.inverseSquaredLengthscales[d] * delta * delta
        }
        return parameters.kernelScale * matern52(r2)
    }

    /// (1 + √5 r + 5/3 r²) e^(−√5 r) for r = √r2.
    @inline(__always)
    static func matern52(_ r2: Double) -> Double {
        let r = r2.squareRoot()
        let s5r = 5.0.squareRoot() * r
        return (1 + s5r + 5.0 / 3.0 * r2) * exp(-s5r)
    }

    static func kernelMatrix(_ inputs: [[Double]], isCategorical: [Bool], parameters: KernelParameters) -> [Double] {
        let n = inputs.count
        var matrix = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                let k = kernel(inputs[i], inputs[j], isCategorical: isCategorical, parameters: parameters)
                matrix[i * n + j] = k
                matrix[j * n + i] = k
            }
        }
        return matrix
    }

    /// Lower Cholesky factor in place (upper triangle zeroed); false if not positive definite.
    static func choleskyInPlace(_ matrix: inout [Double], _ n: Int) -> Bool {
        guard n > 0 else { return true }
        let info = matrix.withUnsafeMutableBufferPointer {
            LAPACKE_dpotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), $0.baseAddress!, Int32(n))
        }
        guard info == 0 else { return false }
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { matrix[i * n + j] = 0 } }
        return true
    }

    /// L⁻¹ b (forward substitution).
    static func forward(_ factor: [Double], _ n: Int, _ b: [Double]) -> [Double] {
        var x = b
        for i in 0..<n {
            var sum = x[i]
            for j in 0..<i { sum -= factor[i * n + j] * x[j] }
            x[i] = sum / factor[i * n + i]
        }
        return x
    }

    /// (L Lᵀ)⁻¹ b.
    static func solve(_ factor: [Double], _ n: Int, _ b: [Double]) -> [Double] {
        var x = forward(factor, n, b)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[i]
            for j in (i + 1)..<max(i + 1, n) { sum -= factor[j * n + i] * x[j] }
            x[i] = sum / factor[i * n + i]
        }
        return x
    }

    /// Posterior mean and variance (of the latent function, without noise) at `x`.
    public func posterior(_ x: [Double]) -> (mean: Double, variance: Double) {
        let n = inputs.count
        let kx = inputs.map { Self.kernel($0, x, isCategorical: isCategorical, parameters: parameters) }
        var mean = 0.0
        for i in 0..<n { mean += kx[i] * alpha[i] }
        let v = Self.forward(factor, n, kx)
        let variance = parameters.kernelScale - v.reduce(0) { $0 + $1 * $1 }
        return (mean, max(variance, 0))
    }

    /// Log marginal likelihood log p(y | X, θ).
    public var logMarginalLikelihood: Double {
        let n = inputs.count
        var logDeterminant = 0.0
        for i in 0..<n { logDeterminant += 2 * log(factor[i * n + i]) }
        return -0.5 * dot(outputs, alpha) - 0.5 * logDeterminant - 0.5 * Double(n) * log(2 * Double.pi)
    }
}

/// log EI for maximisation: log E[max(f − threshold, 0)] under f ~ N(mean, variance + 10⁻¹²)
/// (the small stabilising variance, as Optuna's, keeps it finite at observed points),
/// computed stably far into the tail where EI underflows.
public func logExpectedImprovement(mean: Double, variance: Double, threshold: Double) -> Double {
    let sigma = (variance + 1e-12).squareRoot()
    let z = (mean - threshold) / sigma
    return logStandardizedEI(z) + log(sigma)
}

/// log(z Φ(z) + φ(z)).
func logStandardizedEI(_ z: Double) -> Double {
    if z > -25 {
        let value = z * 0.5 * erfc(-z / 2.0.squareRoot()) + exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
        if value > 0 { return log(value) }
    }
    // z Φ(z) + φ(z) = φ(z) (1 + z Φ(z)/φ(z)); for z → −∞, Φ(z)/φ(z) ≈ (1/|z|)(1 − 1/z² + 3/z⁴ − 15/z⁶ …),
    // so the bracket ≈ 1/z² − 3/z⁴ + 15/z⁶ − 105/z⁸.
    let w = 1 / (z * z)
    let bracket = w * (1 - 3 * w + 15 * w * w - 105 * w * w * w)
    return -0.5 * z * z - 0.5 * log(2 * Double.pi) + log(bracket)
}
