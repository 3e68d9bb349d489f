import Testing
@testable import Evaluation

@Suite struct RankingMetricsTests {
    @Test func perfectInvertedAndRandomRankings() {
        #expect(RankingMetrics.rocAUC(scores: [0.1, 0.2, 0.8, 0.9], labels: [0, 0, 1, 1]) == 1)
        #expect(RankingMetrics.rocAUC(scores: [0.9, 0.8, 0.2, 0.1], labels: [0, 0, 1, 1]) == 0)
        #expect(RankingMetrics.rocAUC(scores: [0.5, 0.5, 0.5, 0.5], labels: [0, 1, 0, 1]) == 0.5)
    }

    /// Hand-computed: pairs (pos, neg) = (0.35 vs 0.1 ✓, 0.35 vs 0.4 ✗, 0.8 vs both ✓) → 3/4;
    /// with a tie (0.4 vs 0.4) worth one half.
    @Test func handComputedWithTies() {
        #expect(RankingMetrics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1]) == 0.75)
        #expect(RankingMetrics.rocAUC(scores: [0.1, 0.4, 0.4, 0.8], labels: [0, 0, 1, 1]) == 0.875)
    }

    @Test func weightsCountAsRepeatedRows() {
        let weighted = RankingMetrics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1], weights: [1, 2, 1, 1])
        let repeated = RankingMetrics.rocAUC(scores: [0.1, 0.4, 0.4, 0.35, 0.8], labels: [0, 0, 0, 1, 1])
        #expect(abs(weighted - repeated) < 1e-15)
    }

    @Test func undefinedCasesAreNaN() {
        #expect(RankingMetrics.rocAUC(scores: [0.1, 0.2], labels: [1, 1]).isNaN)
        #expect(RankingMetrics.rocAUC(scores: [.nan, 0.2], labels: [0, 1]).isNaN)
        #expect(RankingMetrics.rocAUC(scores: [], labels: []).isNaN)
    }

    @Test func logLossMatchesHandComputation() {
        let value = ProbabilityMetrics.logLoss(probabilities: [0.9, 0.2], labels: [1, 0])
        #expect(abs(value - (-(log(0.9) + log(0.8)) / 2)) < 1e-15)
        #expect(ProbabilityMetrics.logLoss(probabilities: [0, 1], labels: [1, 0]) > 30)
        #expect(ProbabilityMetrics.logLoss(probabilities: [1.5], labels: [1]).isNaN)
    }
}

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ScoreOrderTests {
    /// The radix sort gives the order a stable comparison sort gives: decreasing score, ties
    /// (including −0 and +0) in row order, negative and tiny values included.
    @Test func radixOrderMatchesAStableComparisonSort() {
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        let pool: [Double] = [0, -0.0, 1, -1, 0.5, 1e-300, -1e-300, 0.25, 0.75, 3.5, -2.25]
        let scores = (0..<5000).map { i -> Double in
            i % 3 == 0 ? pool[Int(next() % UInt64(pool.count))] : Double(next() % 1_000_000) / 1_000_000 - 0.5
        }
        let expected = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        for threads in [1, 2, 3] {
            let (order, sorted) = DecreasingSort.sort(scores, threads: threads)
            #expect(order.map(Int.init) == expected, "\(threads) threads")
            #expect(sorted == expected.map { scores[$0] == 0 ? 0 : scores[$0] })
        }
        #expect(DecreasingSort.sort([], threads: 2).order == [])
        #expect(DecreasingSort.sort([2, 2, 2], threads: 2).order == [0, 1, 2])
    }

    /// Above 2¹⁶ rows the sort splits every pass across threads; the order must not depend on it.
    @Test func parallelPassesGiveTheSameStableOrder() {
        var state: UInt64 = 99
        let scores = (0..<200_000).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double((state >> 11) % 5000) / 5000  // many ties
        }
        let expected = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        for threads in [1, 2, 4] {
            #expect(DecreasingSort.sort(scores, threads: threads).order.map(Int.init) == expected, "\(threads) threads")
        }
        let rows = try! ScoredRows(scores: scores, labels: scores.map { $0 > 0.7 ? 1 : 0 }, threads: 2)
        #expect(rows.order.map(Int.init) == expected && rows.scores == expected.map { scores[$0] })
    }
}
