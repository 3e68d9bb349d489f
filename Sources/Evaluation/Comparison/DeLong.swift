import Foundation

/// DeLong's test for the difference of two ROC-AUCs measured on the same rows (DeLong,
/// DeLong & Clarke-Pearson 1988), computed with midranks in O(n log n) (Sun & Xu 2014).
public struct DeLongTest: Sendable, Equatable {
    public var aucA: Double
    public var aucB: Double
    public var varianceA: Double
    public var varianceB: Double
    public var covariance: Double
    /// (AUC_A − AUC_B) / √(var_A + var_B − 2·cov); NaN when the variance of the difference is 0.
    public var z: Double
    /// Two-sided p-value of z under the standard normal.
    public var pValue: Double

    /// The test for scores `a` and `b` of the same rows with 0/1 `labels`.
    /// - Returns: `nil` when a class is missing (the AUCs are undefined).
    public static func compare(_ a: [Double], _ b: [Double], labels: [UInt8]) -> DeLongTest? {
        precondition(a.count == labels.count && b.count == labels.count)
        let positives = labels.indices.filter { labels[$0] == 1 }, negatives = labels.indices.filter { labels[$0] == 0 }
        let m = Double(positives.count), n = Double(negatives.count)
        guard m > 0 && n > 0 else { return nil }
        func components(_ scores: [Double]) -> (auc: Double, v10: [Double], v01: [Double]) {
            let all = midranks(positives.map { scores[$0] } + negatives.map { scores[$0] })
            let positiveRanks = midranks(positives.map { scores[$0] }), negativeRanks = midranks(negatives.map { scores[$0] })
            // Placement values: V10 of a positive = share of negatives it beats; V01 of a
            // negative = share of positives that beat it (ties counting one half).
            let v10 = positives.indices.map { (all[$0] - positiveRanks[$0]) / n }
            let v01 = negatives.indices.map { 1 - (all[positives.count + $0] - negativeRanks[$0]) / m }
            let auc = v10.reduce(0, +) / m
            return (auc, v10, v01)
        }
        let (aucA, a10, a01) = components(a), (aucB, b10, b01) = components(b)
        func covariance(_ x: [Double], _ y: [Double]) -> Double {
            let count = Double(x.count)
            guard count > 1 else { return 0 }
            let mx = x.reduce(0, +) / count, my = y.reduce(0, +) / count
            return zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / (count - 1)
        }
        let varianceA = covariance(a10, a10) / m + covariance(a01, a01) / n
        let varianceB = covariance(b10, b10) / m + covariance(b01, b01) / n
        let cov = covariance(a10, b10) / m + covariance(a01, b01) / n
        let spread = varianceA + varianceB - 2 * cov
        let z = spread > 0 ? (aucA - aucB) / spread.squareRoot() : .nan
        let p = z.isNaN ? .nan : erfc(abs(z) / 2.0.squareRoot())
        return DeLongTest(aucA: aucA, aucB: aucB, varianceA: varianceA, varianceB: varianceB, covariance: cov, z: z, pValue: p)
    }

    /// 1-based ranks with ties given their average rank.
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        return ranks
    }
}
