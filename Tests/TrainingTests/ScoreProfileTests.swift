import Evaluation
import Testing
import Training

/// ``ScoreProfile``: decile edges as lower bounds (PostgreSQL's `width_bucket`), ties kept in
/// one bin, shares that sum to 1, and a PSI of 0 for the very scores profiled.
struct ScoreProfileTests {
    @Test func edgesAreLowerBoundsAtTheDeciles() throws {
        let scores = (0..<100).map { Double($0) / 100 }
        let profile = try #require(ScoreProfile.make(scores: scores.reversed()))
        #expect(profile.rows == 100)
        #expect(profile.edges == (1..<10).map { Double($0) / 10 })
        #expect(profile.shares.count == 10 && profile.shares.allSatisfy { abs($0 - 0.1) < 1e-15 })
        // A score equal to an edge belongs to the bin above it; below the first edge, bin 0.
        #expect(profile.bin(0.1) == 1 && profile.bin(0.0999) == 0 && profile.bin(-5) == 0 && profile.bin(0.95) == 9 && profile.bin(2) == 9)
    }

    @Test func tiedScoresShareOneBinAndEmptyInputHasNoProfile() throws {
        // 70 % of the scores are 0.02: the deciles inside that run collapse to one bin.
        let scores = [Double](repeating: 0.02, count: 70) + (0..<30).map { 0.5 + Double($0) / 100 }
        let profile = try #require(ScoreProfile.make(scores: scores))
        #expect(profile.edges == [0.5, 0.6, 0.7], "\(profile.edges)")
        #expect(profile.shares == [0.7, 0.1, 0.1, 0.1])
        #expect(abs(profile.shares.reduce(0, +) - 1) < 1e-12)
        var counts = [Int](repeating: 0, count: profile.shares.count)
        for score in scores { counts[profile.bin(score)] += 1 }
        #expect(PopulationStability.index(expected: profile.shares, counts: counts) == 0)
        // Every score equal: one bin, no edge.
        #expect(ScoreProfile.make(scores: [0.3, 0.3, 0.3]) == ScoreProfile(rows: 3, edges: [], shares: [1]))
        #expect(ScoreProfile.make(scores: []) == nil && ScoreProfile.make(scores: [.nan]) == nil)
    }

    /// The PSI's conventional reading: a shift of half the mass into one decile is an alert.
    @Test func aShiftedDistributionAlerts() throws {
        let profile = try #require(ScoreProfile.make(scores: (0..<1000).map { Double($0) / 1000 }))
        var counts = [Int](repeating: 100, count: 10)
        #expect(PopulationStability.index(expected: profile.shares, counts: counts) < 1e-12)
        counts[9] += 900
        #expect(PopulationStability.index(expected: profile.shares, counts: counts) >= PopulationStability.alert)
    }
}
