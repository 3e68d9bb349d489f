import Core
import Foundation
import Testing
import Training
@testable import Pipeline

/// The served model is the cheapest within the noise of the best validation AUC (issue #21).
@Suite struct ServedModelChoiceTests {
    /// Validation scores of four candidates on the same 2,000 rows, labels from σ(2x − 2):
    /// "big" sees x, "twin" x with a little noise (within the noise of big), "weak" x with much
    /// noise (clearly worse), "mid" between them.
    static func scores() -> (scores: [[Double]], labels: [UInt8]) {
        var random = SeededGenerator(seed: 5)
        var columns: [[Double]] = [[], [], [], []], labels: [UInt8] = []
        for _ in 0..<2_000 {
            let x = random.nextGaussian()
            labels.append(random.nextDouble() < logistic(2 * x - 2) ? 1 : 0)
            columns[0].append(x)
            columns[1].append(x + 0.05 * random.nextGaussian())
            columns[2].append(x + 2.0 * random.nextGaussian())
            columns[3].append(x + 0.6 * random.nextGaussian())
        }
        return (columns, labels)
    }

    static let names = ["big", "twin", "weak", "mid"]
    static let costs = [ServingCost(scoreMicroseconds: 20, explainMicroseconds: 100, explanationWork: 10_000),
                        ServingCost(scoreMicroseconds: 10, explainMicroseconds: 50, explanationWork: 4_000),
                        ServingCost(scoreMicroseconds: 1, explainMicroseconds: 2, explanationWork: 100),
                        ServingCost(scoreMicroseconds: 5, explainMicroseconds: 30, explanationWork: 2_000)]

    @Test func theCheapestCandidateWithinTheNoiseServes() {
        let (scores, labels) = Self.scores()
        let choice = ServedModelChoice.choose(names: Self.names, validScores: scores, labels: labels, costs: Self.costs)
        // big and twin rank nearly alike: either may have the higher AUC on these rows.
        #expect([0, 1].contains(choice.best) && choice.chosen == 1, "\(choice.explanation)")
        #expect(choice.candidates.map(\.withinNoise) == [true, true, false, false], "\(choice.candidates.map { ($0.gap, $0.gapStandardError) })")
        #expect(choice.candidates[2].gap > 5 * choice.candidates[2].gapStandardError)
        #expect(choice.explanation.hasPrefix("twin serves: "), "\(choice.explanation)")
    }

    @Test func theExplanationGivesTheGapTheNoiseAndTheWork() {
        let candidates = [ServedModelChoice.Candidate(name: "ensemble", validAUC: 0.848, gap: 0, gapStandardError: 0, withinNoise: true, withinBudget: true,
                                                      cost: Self.costs[0]),
                          .init(name: "gbdt-oblivious", validAUC: 0.8471, gap: 0.0009, gapStandardError: 0.0011, withinNoise: true, withinBudget: true,
                                cost: Self.costs[1])]
        let choice = ServedModelChoice(candidates: candidates, best: 0, chosen: 1, budgetMicroseconds: nil, budgetUnmet: false)
        #expect(choice.explanation == "gbdt-oblivious serves: validation AUC 0.8471, 0.0009 below ensemble's 0.8480, within one standard error (0.0011); explanation work 4000 vs 10000; 10.0 µs per lead scored, 50.0 µs explained (measured)")
    }

    @Test func theBestServesWhenNothingCheaperIsWithinTheNoise() {
        let (scores, labels) = Self.scores()
        var costs = Self.costs
        costs[1].explanationWork = 20_000
        let choice = ServedModelChoice.choose(names: Self.names, validScores: scores, labels: labels, costs: costs)
        #expect(choice.chosen == 0 && choice.explanation.hasPrefix("big serves: "), "\(choice.explanation)")
    }

    @Test func aBudgetLeavesOutWhatItCannotAfford() {
        let (scores, labels) = Self.scores()
        // 40 µs: big and twin are out; mid is the best left, weak is not within its noise.
        let forty = ServedModelChoice.choose(names: Self.names, validScores: scores, labels: labels, costs: Self.costs, budgetMicroseconds: 40)
        #expect(forty.best == 3 && forty.chosen == 3 && !forty.budgetUnmet)
        #expect(forty.candidates.map(\.withinBudget) == [false, false, true, true])
        #expect(forty.explanation.hasSuffix("budget 40 µs per explained lead"), "\(forty.explanation)")
        // 1 µs: nothing fits, so the budget is ignored and the decision says so.
        let one = ServedModelChoice.choose(names: Self.names, validScores: scores, labels: labels, costs: Self.costs, budgetMicroseconds: 1)
        #expect(one.budgetUnmet && one.chosen == 1 && one.explanation.hasSuffix("no candidate meets the budget of 1 µs, so it was ignored"))
    }
}
