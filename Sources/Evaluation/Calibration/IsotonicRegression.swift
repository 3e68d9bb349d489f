import Foundation

/// Isotonic calibration: the non-decreasing step function of the score that best fits the
/// labels in (weighted) least squares, by the pool-adjacent-violators algorithm, with linear
/// interpolation between its knots and clipping outside them — as scikit-learn's
/// `IsotonicRegression(increasing=True, out_of_bounds="clip", y_min=0, y_max=1)`.
public struct IsotonicRegression: Codable, Sendable, Equatable {
    /// Knots: distinct training scores, ascending, and the fitted value at each.
    public var x: [Double]
    public var y: [Double]

    public init(x: [Double], y: [Double]) {
        self.x = x
        self.y = y
    }

    /// Fits on (score, label) rows with optional weights. Tied scores are first merged into
    /// one point (weighted mean label), as scikit-learn does.
    public static func fit(scores: [Double], targets: [Double], weights: [Double]? = nil) -> IsotonicRegression {
        precondition(scores.count == targets.count && !scores.isEmpty)
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var xs: [Double] = [], sums: [Double] = [], masses: [Double] = []
        for row in order {
            let w = weights?[row] ?? 1
            if let last = xs.last, last == scores[row] {
                sums[sums.count - 1] += w * targets[row]; masses[masses.count - 1] += w
            } else {
                xs.append(scores[row]); sums.append(w * targets[row]); masses.append(w)
            }
        }
        // Pool adjacent violators over blocks (value, mass, count of points).
        var values: [Double] = [], blockMass: [Double] = [], blockSize: [Int] = []
        for k in xs.indices {
            var value = masses[k] > 0 ? sums[k] / masses[k] : 0, mass = masses[k], size = 1
            while let previous = values.last, previous >= value {
                let total = blockMass.last! + mass
                value = total > 0 ? (previous * blockMass.last! + value * mass) / total : previous
                mass = total
                size += blockSize.removeLast()
                values.removeLast(); blockMass.removeLast()
            }
            values.append(value); blockMass.append(mass); blockSize.append(size)
        }
        var fitted: [Double] = []
        for (value, size) in zip(values, blockSize) { fitted += [Double](repeating: min(1, max(0, value)), count: size) }
        return IsotonicRegression(x: xs, y: fitted)
    }

    /// The calibrated value at `score`: linear between knots, clipped outside.
    public func predict(_ score: Double) -> Double {
        guard let first = x.first, let last = x.last else { return .nan }
        if score <= first { return y[0] }
        if score >= last { return y[y.count - 1] }
        var low = 0, high = x.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if x[middle] <= score { low = middle } else { high = middle }
        }
        let t = (score - x[low]) / (x[high] - x[low])
        return y[low] + t * (y[high] - y[low])
    }
}
