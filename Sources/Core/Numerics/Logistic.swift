import Foundation

// The logistic family, one definition each. Two forms of the logistic function exist on
// purpose: they round differently for negative arguments, and every stored model and
// calibration was fitted with the form it uses, so merging them would change scores.

/// The logistic (sigmoid) function 1 / (1 + e^−x): the probability of log-odds `x`.
///
/// The form LightGBM uses for binary log loss, and the one tree training, ensemble weights and
/// every served probability use. Saturates to exactly 0 below x ≈ −745 and to 1 above
/// x ≈ 37; NaN stays NaN.
@inlinable @inline(__always)
public func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// The logistic function computed so that neither branch overflows: e^x / (1 + e^x) for
/// x ≤ 0, 1 / (1 + e^−x) otherwise. Keeps relative precision for very negative `x` (tiny
/// probabilities), which Platt scaling needs; equal to ``logistic(_:)`` for x > 0.
@inlinable @inline(__always)
public func stableLogistic(_ x: Double) -> Double {
    x <= 0 ? exp(x) / (1 + exp(x)) : 1 / (1 + exp(-x))
}

/// The log-odds log(p / (1 − p)) of probability `p`: −∞ at 0, +∞ at 1, NaN outside [0, 1].
/// Callers that need finite values clamp `p` first.
@inlinable @inline(__always)
public func logit(_ p: Double) -> Double { log(p / (1 - p)) }

/// log(1 + eᶻ) without overflow: the log loss of a negative example with log-odds `z`.
@inlinable @inline(__always)
public func softplus(_ z: Double) -> Double {
    z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
}

/// log Σ e^xᵢ, computed around the largest term so that nothing overflows. An empty array has
/// no terms; its value is −∞ as the empty sum's log. If the largest term is not finite (±∞ or
/// NaN) it is returned as it is.
@inlinable
public func logSumExp(_ terms: [Double]) -> Double {
    guard let top = terms.max() else { return -.infinity }
    guard top.isFinite else { return top }
    return top + log(terms.reduce(0) { $0 + exp($1 - top) })
}
