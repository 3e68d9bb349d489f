import Core
import Evaluation

/// How each input feature was distributed in the training rows, stored in the bundle so that a
/// service can tell when the inputs it sees drift away from them (population stability index).
///
/// Numeric features: up to ten bins cut at the training deciles (a value v goes to the first
/// bin whose upper edge is ≥ v, the last bin above every edge), plus a bin for missing
/// values. Categorical features: a bin for each of the 20 most frequent training categories,
/// one for every other category (unseen ones included), one for missing values. Coarse bins
/// keep the index stable on the few thousand requests of a monitoring window.
public struct InputProfile: Codable, Sendable, Equatable {
    public struct Feature: Codable, Sendable, Equatable {
        public var name: String
        /// Numeric: ascending upper edges of all bins but the last.
        public var edges: [Double]?
        /// Categorical: the categories with a bin of their own.
        public var categories: [String]?
        /// Share of the training rows in each bin: the value bins, then (categorical) "other",
        /// then missing. Sums to 1.
        public var shares: [Double]

        /// Bins in all (``shares``'s count).
        public var binCount: Int { shares.count }

        /// The bin of a numeric value (NaN: missing).
        public func bin(numeric value: Float) -> Int {
            guard let edges else { return binCount - 1 }
            if value.isNaN { return binCount - 1 }
            let v = Double(value)
            var low = 0, high = edges.count
            while low < high {
                let mid = (low + high) / 2
                if edges[mid] >= v { high = mid } else { low = mid + 1 }
            }
            return low
        }

        /// The bin of a category (`nil`: missing).
        public func bin(category: String?) -> Int {
            guard let category else { return binCount - 1 }
            return categories?.firstIndex(of: category) ?? binCount - 2
        }
    }

    /// Training rows profiled.
    public var rows: Int
    public var features: [Feature]

    public init(rows: Int, features: [Feature]) {
        self.rows = rows
        self.features = features
    }

    /// The profile of `dataset`'s columns, on up to `threads` threads (a column each at a
    /// time; the result does not depend on the thread count).
    public static func make(_ dataset: Dataset, bins: Int = 10, maxCategories: Int = 20, threads: Int = defaultThreadCount) -> InputProfile {
        let n = Double(max(1, dataset.rowCount))
        func profile(_ column: Column) -> Feature {
            switch column {
            case .numeric(let c):
                let present = c.values.filter { !$0.isNaN }.sorted()
                var edges: [Double] = []
                if !present.isEmpty {
                    for k in 1..<bins {
                        let edge = Double(present[min(present.count - 1, (present.count * k) / bins)])
                        if edges.last.map({ edge > $0 }) ?? true { edges.append(edge) }
                    }
                    if edges.last == Double(present.last!) { edges.removeLast() }
                }
                var feature = Feature(name: c.name, edges: edges, categories: nil, shares: [Double](repeating: 0, count: edges.count + 2))
                var counts = [Int](repeating: 0, count: feature.binCount)
                for value in c.values { counts[feature.bin(numeric: value)] += 1 }
                feature.shares = counts.map { Double($0) / n }
                return feature
            case .categorical(let c):
                var counts = [Int](repeating: 0, count: c.categories.count)
                var missing = 0
                for code in c.codes { if code >= 0 { counts[Int(code)] += 1 } else { missing += 1 } }
                let kept = counts.indices.filter { counts[$0] > 0 }.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
                    .prefix(maxCategories)
                let keptCount = kept.reduce(0) { $0 + counts[$1] }
                let shares = kept.map { Double(counts[$0]) / n } + [Double(dataset.rowCount - keptCount - missing) / n, Double(missing) / n]
                return Feature(name: c.name, edges: nil, categories: kept.map { c.categories[$0] }, shares: shares)
            }
        }
        let profiles = ResultSlots<Feature>(count: dataset.columns.count)
        parallelFor(dataset.columns.count, threads: threads) { index in
            profiles[index] = profile(dataset.columns[index])
        }
        return InputProfile(rows: dataset.rowCount, features: profiles.values)
    }
}
