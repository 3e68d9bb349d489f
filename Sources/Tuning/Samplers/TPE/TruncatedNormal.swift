import Foundation

/// The standard normal distribution and its truncation to an interval, in the numerically
/// careful forms the Parzen estimator needs (log-probabilities of tiny tail masses, sampling
/// by the inverse CDF).
enum StandardNormal {
    /// Φ(x).
    static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// log φ(x).
    static func logPDF(_ x: Double) -> Double { -0.5 * x * x - 0.5 * log(2 * Double.pi) }

    /// log(Φ(b) − Φ(a)) for a < b, accurate in both tails.
    static func logMass(_ a: Double, _ b: Double) -> Double {
        if a > 0 {
            // Upper tail: Φ(b) − Φ(a) = Φ(−a) − Φ(−b).
            return logMass(-b, -a)
        }
        let pa = cdf(a), pb = cdf(b)
        if pb - pa > 1e-300 { return log(pb - pa) }
        // Both far in the lower tail: log Φ(b) + log(1 − Φ(a)/Φ(b)) with asymptotic log Φ.
        let lb = logCDF(b), la = logCDF(a)
        return lb + log1p(-exp(la - lb))
    }

    /// log Φ(x), using the asymptotic series far in the lower tail.
    static func logCDF(_ x: Double) -> Double {
        if x > -20 { return log(cdf(x)) }
        // log Φ(x) ≈ log φ(x) − log(−x) + log(1 − 1/x² + 3/x⁴ − 15/x⁶)
        let z = 1 / (x * x)
        return logPDF(x) - log(-x) + log1p(-z + 3 * z * z - 15 * z * z * z)
    }

    /// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley step
    /// (relative error about 1e-15).
    static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // Halley refinement.
        let e = cdf(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// A draw from N(μ, σ²) truncated to [low, high], by the inverse CDF.
    static func sampleTruncated(mu: Double, sigma: Double, low: Double, high: Double, uniform u: Double) -> Double {
        let a = (low - mu) / sigma, b = (high - mu) / sigma
        // Work in the tail where the CDF has precision.
        if a > 0 {
            // Φ(−c) = Φ(−a) − u (Φ(−a) − Φ(−b)).
            let pa = cdf(-b), pb = cdf(-a)
            let p = pb - u * (pb - pa)
            guard p > 0 && p < 1 else { return min(max(mu, low), high) }
            return min(max(mu - sigma * quantile(p), low), high)
        }
        let pa = cdf(a), pb = cdf(b)
        let p = pa + u * (pb - pa)
        guard p > 0 && p < 1 else { return min(max(mu, low), high) }
        return min(max(mu + sigma * quantile(p), low), high)
    }
}
