import Core
import Evaluation
import CLinearAlgebra
import Foundation
import Tuning

/// The smooth part of the logistic-regression objective over a design matrix, with its
/// gradient and Hessian through BLAS:
///
///     f(β, b) = (1/W) Σᵢ wᵢ [softplus(zᵢ) − yᵢ zᵢ] + (λ₂/2) ‖β‖²,   zᵢ = xᵢ·β + b,  W = Σᵢ wᵢ
///
/// (the intercept b is not penalised). This is scikit-learn's objective `C Σ wᵢ ℓᵢ + ½‖β‖²`
/// divided by `C W`, so λ₂ = 1 / (C W) gives the same minimiser and a gradient on the same
/// scale as scikit-learn's `tol`.
///
/// Parameters are packed as θ = [β₀ … β_{p−1}, b]. Rows are cut into a fixed number of
/// contiguous chunks, whatever the thread count; chunks run in parallel, each in blocks of
/// 256 rows (one `dgemv` for z and one for the gradient while the block is still in cache),
/// and the chunks' partial sums are added in chunk order — so the value, the gradient and
/// hence the fitted model do not depend on the number of threads.
struct LogisticObjective {
    let x: DenseMatrix
    let labels: [UInt8]
    /// Each row's weight divided by W (so they sum to 1).
    let normalisedWeights: [Double]
    let l2: Double
    let threads: Int

    private static let blockRows = 256

    init(x: DenseMatrix, labels: [UInt8], weights: [Double], l2: Double, threads: Int) {
        precondition(labels.count == x.rowCount && weights.count == x.rowCount)
        BLASThreads.useCallerThreads()
        self.x = x
        self.labels = labels
        let total = weights.reduce(0, +)
        normalisedWeights = weights.map { $0 / total }
        self.l2 = l2
        self.threads = threads
    }

    var parameterCount: Int { x.columnCount + 1 }

    /// Contiguous row ranges: at most 32, at least 2,048 rows each (fixed by the row count only).
    private var chunks: [Range<Int>] {
        let n = x.rowCount
        let count = max(1, min(32, n / 2048))
        return (0..<count).map { c in (c * n / count)..<((c + 1) * n / count) }
    }

    /// z = X_block β + b for `rows` rows of `columns` values (θ = [β, b]).
    @inline(__always)
    static func linearPredictor(block: UnsafePointer<Double>, rows: Int, columns p: Int, theta: UnsafePointer<Double>, into z: UnsafeMutablePointer<Double>) {
        for k in 0..<rows { z[k] = theta[p] }
        if p > 0 {
            cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(p), 1, block, Int32(p), theta, 1, 1, z, 1)
        }
    }

    /// f(θ) and ∇f(θ) (length p + 1).
    func valueAndGradient(_ theta: [Double]) -> (value: Double, gradient: [Double]) {
        let p = x.columnCount, parts = chunks
        let partials = ResultSlots<(Double, [Double])>(count: parts.count)
        theta.withUnsafeBufferPointer { thetaBuffer in
            x.values.withUnsafeBufferPointer { matrix in
                normalisedWeights.withUnsafeBufferPointer { weights in
                    labels.withUnsafeBufferPointer { labels in
                        let shared = UncheckedSendable((thetaBuffer, matrix, weights, labels))
                        parallelFor(parts.count, threads: threads) { c in
                            let (theta, matrix, weights, labels) = shared.value
                            var gradient = [Double](repeating: 0, count: p + 1)
                            var loss = 0.0
                            withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.blockRows) { z in
                                var start = parts[c].lowerBound
                                while start < parts[c].upperBound {
                                    let rows = min(Self.blockRows, parts[c].upperBound - start)
                                    let block = matrix.baseAddress! + start * p
                                    Self.linearPredictor(block: block, rows: rows, columns: p, theta: theta.baseAddress!, into: z.baseAddress!)
                                    var residualSum = 0.0
                                    for k in 0..<rows {
                                        let zk = z[k], w = weights[start + k], y = Double(labels[start + k])
                                        loss += w * (softplus(zk) - y * zk)
                                        let residual = w * (logistic(zk) - y)
                                        z[k] = residual
                                        residualSum += residual
                                    }
                                    gradient[p] += residualSum
                                    if p > 0 {
                                        gradient.withUnsafeMutableBufferPointer { g in
                                            cblas_dgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(p), 1, block, Int32(p),
                                                        z.baseAddress!, 1, 1, g.baseAddress!, 1)
                                        }
                                    }
                                    start += rows
                                }
                            }
                            partials[c] = (loss, gradient)
                        }
                    }
                }
            }
        }
        var value = 0.0
        var gradient = [Double](repeating: 0, count: p + 1)
        for (loss, g) in partials.values {
            value += loss
            for j in 0...p { gradient[j] += g[j] }
        }
        for j in 0..<p {
            value += 0.5 * l2 * theta[j] * theta[j]
            gradient[j] += l2 * theta[j]
        }
        return (value, gradient)
    }

    /// ∇²f(θ), `(p + 1) × (p + 1)` row-major (symmetric, both triangles filled).
    func hessian(_ theta: [Double]) -> [Double] {
        let p = x.columnCount, q = p + 1, parts = chunks
        let partials = ResultSlots<[Double]>(count: parts.count)
        theta.withUnsafeBufferPointer { thetaBuffer in
            x.values.withUnsafeBufferPointer { matrix in
                normalisedWeights.withUnsafeBufferPointer { weights in
                    let shared = UncheckedSendable((thetaBuffer, matrix, weights))
                    parallelFor(parts.count, threads: threads) { c in
                        let (theta, matrix, weights) = shared.value
                        var h = [Double](repeating: 0, count: q * q)
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.blockRows * (q + 1)) { scratch in
                            let scaled = scratch.baseAddress!, z = scratch.baseAddress! + Self.blockRows * q
                            var start = parts[c].lowerBound
                            while start < parts[c].upperBound {
                                let rows = min(Self.blockRows, parts[c].upperBound - start)
                                let block = matrix.baseAddress! + start * p
                                Self.linearPredictor(block: block, rows: rows, columns: p, theta: theta.baseAddress!, into: z)
                                // Rows of [x, 1] scaled by √(w σ(1 − σ)); then H += Sᵀ S.
                                for k in 0..<rows {
                                    let s = logistic(z[k])
                                    let root = (weights[start + k] * s * (1 - s)).squareRoot()
                                    for j in 0..<p { scaled[k * q + j] = root * block[k * p + j] }
                                    scaled[k * q + p] = root
                                }
                                h.withUnsafeMutableBufferPointer { h in
                                    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(q), Int32(rows), 1, scaled, Int32(q),
                                                1, h.baseAddress!, Int32(q))
                                }
                                start += rows
                            }
                        }
                        partials[c] = h
                    }
                }
            }
        }
        var h = [Double](repeating: 0, count: q * q)
        for partial in partials.values {
            for i in 0..<q { for j in i..<q { h[i * q + j] += partial[i * q + j] } }
        }
        for i in 0..<q {
            if i < p { h[i * q + i] += l2 }
            for j in 0..<i { h[i * q + j] = h[j * q + i] }
        }
        return h
    }
}

