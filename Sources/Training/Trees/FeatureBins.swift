import Core
import Tuning

/// How one feature's values map to histogram bins (at most 256, so a bin is one byte).
///
/// Numeric features: bins `0..<upperBounds.count` hold values `≤ upperBounds[b]` (and above
/// the previous bound); the last bound is +∞. When the training data had missing values, they
/// get one more bin at the end (`missingBin`); otherwise a missing value at prediction time is
/// treated as 0, as LightGBM does.
///
/// Categorical features: the `categoryBins.count` most frequent categories (up to 254) get a
/// bin each, in order of decreasing frequency; missing, rare and unseen categories share one
/// last "other" bin, which never goes left in a split (LightGBM sends them right).
public struct FeatureBins: Codable, Sendable, Equatable {
    public var isCategorical: Bool
    /// Numeric: the bins' upper bounds, ascending, the last one +∞.
    public var upperBounds: [Double]
    /// Numeric: whether the training data had missing values (they then have their own bin).
    public var hasMissingBin: Bool
    /// Categorical: the category code (in the training dictionary) of each bin but the last.
    public var categoryBins: [Int32]

    /// Number of bins, the missing / other bin included.
    public var binCount: Int {
        isCategorical ? categoryBins.count + 1 : upperBounds.count + (hasMissingBin ? 1 : 0)
    }

    /// The bin of missing values (categorical: the shared "other" bin).
    public var missingBin: Int {
        if isCategorical { return categoryBins.count }
        return hasMissingBin ? upperBounds.count : numericBin(0)
    }

    /// The bin of a numeric value; NaN goes to ``missingBin``.
    @inline(__always)
    public func numericBin(_ value: Double) -> Int {
        if value.isNaN { return hasMissingBin ? upperBounds.count : numericBin(0) }
        var low = 0, high = upperBounds.count - 1
        while low < high {
            let middle = (low + high) >> 1
            if value <= upperBounds[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// A branch-free bin finder for `Float` values, equal to ``numericBin(_:)`` of
    /// `Double(value)` for every `Float` (NaN and ±∞ included).
    ///
    /// The bounds become the largest `Float` at or below each `Double` bound (for a `Float` x,
    /// `x ≤ bound` exactly when `x ≤` that `Float`), padded with +∞ to 256 entries, and the
    /// search takes 8 fixed halving steps with conditional moves: the ordinary binary search
    /// mispredicted about half of its branches, which made binning the training data cost more
    /// than the trees' first round.
    public struct FloatBinner: Sendable {
        private let bounds: [Float]
        private let missingBin: Int

        public init(_ bins: FeatureBins) {
            precondition(!bins.isCategorical && bins.upperBounds.count <= 256)
            var bounds = bins.upperBounds.map(FlatForest.floatAtOrBelow)
            bounds += [Float](repeating: .infinity, count: 256 - bounds.count)
            self.bounds = bounds
            missingBin = bins.missingBin
        }

        /// Runs `body` with a bin function valid inside it only (no bounds checks, no copies).
        @inline(__always)
        public func withBinFunction<R>(_ body: ((Float) -> Int) -> R) -> R {
            bounds.withUnsafeBufferPointer { table in
                let bounds = table.baseAddress!, missing = missingBin
                return body { value in
                    if value.isNaN { return missing }
                    // The number of bounds below `value`: the first bin whose bound is ≥ value.
                    var bin = 0
                    var step = 128
                    while step > 0 {
                        bin &+= bounds[bin &+ step &- 1] < value ? step : 0
                        step &>>= 1
                    }
                    return bin
                }
            }
        }
    }

    // MARK: Finding the bins

    /// Numeric bins from the training values (NaN = missing), greedy over distinct values as
    /// LightGBM's `GreedyFindBin`: distinct values each get a bin while there are few enough
    /// (merging neighbours until a bin holds `minDataInBin` rows); otherwise very frequent
    /// values keep their own bin and the rest are cut into bins of about equal counts.
    /// Bounds lie halfway between the largest value of a bin and the smallest of the next.
    public static func numeric(values: [Float], sampleRows: [Int]?, maxBin: Int, minDataInBin: Int) -> FeatureBins {
        var sample: [Double] = []
        var hasMissing = false
        if let sampleRows {
            sample.reserveCapacity(sampleRows.count)
            for row in sampleRows { let v = values[row]; if v.isNaN { hasMissing = true } else { sample.append(Double(v)) } }
            if !hasMissing { hasMissing = values.contains { $0.isNaN } }
        } else {
            sample.reserveCapacity(values.count)
            for v in values { if v.isNaN { hasMissing = true } else { sample.append(Double(v)) } }
        }
        sample.sort()
        var distinct: [Double] = [], counts: [Int] = []
        for v in sample {
            if let last = distinct.last, last == v { counts[counts.count - 1] += 1 } else { distinct.append(v); counts.append(1) }
        }
        let bounds = greedyUpperBounds(distinct: distinct, counts: counts, maxBin: maxBin, minDataInBin: minDataInBin)
        return FeatureBins(isCategorical: false, upperBounds: bounds, hasMissingBin: hasMissing, categoryBins: [])
    }

    static func greedyUpperBounds(distinct: [Double], counts: [Int], maxBin: Int, minDataInBin: Int) -> [Double] {
        guard distinct.count > 1 else { return [.infinity] }
        var bounds: [Double] = []
        if distinct.count <= maxBin {
            var current = 0
            for i in 0..<(distinct.count - 1) {
                current += counts[i]
                if current >= minDataInBin {
                    bounds.append(midpoint(distinct[i], distinct[i + 1]))
                    current = 0
                }
            }
        } else {
            // Too many distinct values: values holding at least an average bin's worth of rows
            // keep a bin of their own; the others are cut into bins of about equal counts, the
            // target recomputed from what remains after each cut.
            let total = counts.reduce(0, +)
            let isBig = counts.map { Double($0) * Double(maxBin) >= Double(total) }
            var bigRemaining = isBig.filter { $0 }.count
            var smallRemaining = zip(counts, isBig).reduce(0) { $0 + ($1.1 ? 0 : $1.0) }
            var current = 0
            for i in 0..<(distinct.count - 1) where bounds.count < maxBin - 1 {
                current += counts[i]
                if isBig[i] { bigRemaining -= 1 } else { smallRemaining -= counts[i] }
                let binsLeft = max(1, maxBin - bounds.count - bigRemaining)
                let target = Double(smallRemaining + current) / Double(binsLeft)
                let cut = isBig[i] || isBig[i + 1] || Double(current) >= target
                if cut && current >= minDataInBin {
                    bounds.append(midpoint(distinct[i], distinct[i + 1]))
                    current = 0
                }
            }
        }
        bounds.append(.infinity)
        return bounds
    }

    /// A bound strictly between `a < b` (their midpoint, nudged below `b` if rounding hit it).
    private static func midpoint(_ a: Double, _ b: Double) -> Double {
        let m = a + (b - a) / 2
        return m < b ? m : a
    }

    /// Categorical bins: the most frequent categories in the training rows, up to
    /// `maxCategories`, each with its own bin (ties broken by code, so the result is
    /// deterministic).
    public static func categorical(codes: [Int32], categoryCount: Int, maxCategories: Int) -> FeatureBins {
        var counts = [Int](repeating: 0, count: categoryCount)
        for code in codes where code >= 0 { counts[Int(code)] += 1 }
        let kept = (0..<categoryCount).filter { counts[$0] > 0 }
            .sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
            .prefix(maxCategories)
        return FeatureBins(isCategorical: true, upperBounds: [], hasMissingBin: false, categoryBins: kept.map { Int32($0) })
    }

    /// Bin of each category code (index = code); codes without a bin map to the "other" bin.
    public func binOfCategoryCode(categoryCount: Int) -> [UInt8] {
        var table = [UInt8](repeating: UInt8(categoryBins.count), count: categoryCount)
        for (bin, code) in categoryBins.enumerated() where Int(code) < categoryCount { table[Int(code)] = UInt8(bin) }
        return table
    }
}

/// Rows used to find bin boundaries: all of them, or a seeded sample without replacement of
/// `count` rows (sorted), as LightGBM samples `bin_construct_sample_cnt` rows.
func binningSample(rowCount: Int, count: Int, seed: UInt64) -> [Int]? {
    guard rowCount > count else { return nil }
    var generator = SeededGenerator(seed: seed).derived(0xB1_5A_4D)
    var rows = Array(0..<rowCount)
    for i in 0..<count {
        let j = i + generator.nextInt(below: rowCount - i)
        rows.swapAt(i, j)
    }
    return Array(rows[0..<count]).sorted()
}
