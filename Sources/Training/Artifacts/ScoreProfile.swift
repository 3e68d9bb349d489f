/// How a bundle's served scores (its probabilities, after its calibration) were distributed on
/// rows it had not been fitted on, stored in the bundle so that prediction monitoring can tell
/// when the scores a service stores drift away from them (population stability index), even
/// before any outcome is known.
///
/// Bins are cut at the reference scores' deciles; each edge is the *lower* bound of the bin
/// above it, so a score s belongs to bin "number of edges ≤ s" — PostgreSQL's
/// `width_bucket(s, edges)`, which lets the service count its stored scores in SQL. Tied
/// scores make some deciles equal; an edge is kept once, so there may be fewer than ten bins.
public struct ScoreProfile: Codable, Sendable, Equatable {
    /// Reference rows profiled.
    public var rows: Int
    /// Ascending, distinct lower bounds of every bin but the first.
    public var edges: [Double]
    /// Share of the reference rows in each bin (`edges.count + 1` entries, summing to 1).
    public var shares: [Double]

    public init(rows: Int, edges: [Double], shares: [Double]) {
        self.rows = rows
        self.edges = edges
        self.shares = shares
    }

    /// The bin of `score`: how many edges are ≤ it (NaN: the first bin).
    public func bin(_ score: Double) -> Int {
        var low = 0, high = edges.count
        while low < high {
            let mid = (low + high) / 2
            if edges[mid] <= score { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The profile of `scores` (probabilities on held-out rows) in up to `bins` bins; `nil`
    /// without finite scores.
    public static func make(scores: [Double], bins: Int = 10) -> ScoreProfile? {
        let sorted = scores.filter(\.isFinite).sorted()
        guard !sorted.isEmpty, bins >= 1 else { return nil }
        var edges: [Double] = []
        for k in 1..<bins {
            let edge = sorted[(sorted.count * k) / bins]
            // An edge at the smallest score would leave the first bin empty.
            if edge > sorted[0], edge != edges.last { edges.append(edge) }
        }
        var profile = ScoreProfile(rows: sorted.count, edges: edges, shares: [Double](repeating: 0, count: edges.count + 1))
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for score in sorted { counts[profile.bin(score)] += 1 }
        profile.shares = counts.map { Double($0) / Double(sorted.count) }
        return profile
    }
}
