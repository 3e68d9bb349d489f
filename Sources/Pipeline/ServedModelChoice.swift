import Evaluation
import Foundation
import Training

/// Which candidate train-all serves as `global`: the cheapest to serve among those whose
/// validation AUC is within the noise of the best's, so that a user does not pay for
/// explanations of a model no better than a cheaper one.
///
/// The rule, stated in the summary and the report:
/// 1. With a budget (microseconds per scored and explained lead, measured by
///    ``ServingCost``), candidates over it are out; if every candidate is over it, the budget is
///    ignored and the decision says so.
/// 2. The best is the remaining candidate with the highest validation AUC. A candidate is
///    within the noise when its gap to the best is at most one standard error of that paired
///    difference (DeLong, on the same validation rows): the one-standard-error rule.
/// 3. Among those, the one with the least explanation work (``PreparedModel/explanationWorkPerRow``,
///    machine-independent, so a seed always gives the same choice) serves; ties go to the
///    higher validation AUC, then to the earlier candidate.
///
/// The ensemble's weights were fitted on the validation rows, so its validation AUC is a
/// little optimistic: the rule leans towards the ensemble, the most expensive candidate, not
/// away from it.
public struct ServedModelChoice: Sendable {
    public struct Candidate: Sendable {
        public var name: String
        public var validAUC: Double
        /// The best's validation AUC minus this one's (0 for the best), and the standard error
        /// of that paired difference (0 for the best).
        public var gap: Double
        public var gapStandardError: Double
        public var withinNoise: Bool
        public var withinBudget: Bool
        public var cost: ServingCost
    }

    public var candidates: [Candidate]
    /// Index of the best validation AUC (among candidates within budget).
    public var best: Int
    /// Index of the candidate served.
    public var chosen: Int
    /// The budget in microseconds per explained lead, if one was set.
    public var budgetMicroseconds: Double?
    /// Whether a budget was set but no candidate met it (then it was ignored).
    public var budgetUnmet: Bool

    /// Decides for candidates `names` with validation raw scores `validScores` (same rows,
    /// 0/1 `labels`) and measured `costs`.
    /// - Precondition: equal, non-zero counts; both classes present in `labels`.
    public static func choose(names: [String], validScores: [[Double]], labels: [UInt8], costs: [ServingCost],
                              budgetMicroseconds: Double? = nil) -> ServedModelChoice {
        precondition(!names.isEmpty && names.count == validScores.count && names.count == costs.count)
        let auc = validScores.map { RankingMetrics.rocAUC(scores: $0, labels: labels) }
        var withinBudget = costs.map { cost in budgetMicroseconds.map { cost.explainMicroseconds <= $0 } ?? true }
        let budgetUnmet = !withinBudget.contains(true)
        if budgetUnmet { withinBudget = withinBudget.map { _ in true } }
        let open = names.indices.filter { withinBudget[$0] }
        let best = open.max { (auc[$0], -$0) < (auc[$1], -$1) }!
        var rows: [Candidate] = []
        for index in names.indices {
            var gap = 0.0, standardError = 0.0
            if index != best, let test = DeLongTest.compare(validScores[best], validScores[index], labels: labels) {
                gap = test.aucA - test.aucB
                standardError = max(0, test.varianceA + test.varianceB - 2 * test.covariance).squareRoot()
            }
            rows.append(Candidate(name: names[index], validAUC: auc[index], gap: gap, gapStandardError: standardError,
                                  withinNoise: withinBudget[index] && gap <= standardError, withinBudget: withinBudget[index] || budgetUnmet,
                                  cost: costs[index]))
        }
        let chosen = names.indices.filter { rows[$0].withinNoise }.min { a, b in
            (rows[a].cost.explanationWork, -auc[a], a) < (rows[b].cost.explanationWork, -auc[b], b)
        }!
        return ServedModelChoice(candidates: rows, best: best, chosen: chosen, budgetMicroseconds: budgetMicroseconds, budgetUnmet: budgetUnmet)
    }

    /// The rule in one sentence, for the report and the summary.
    public static let rule = "the least explanation work among the candidates whose validation AUC is within one standard error (DeLong, paired) of the best's; with --serving-budget, only candidates within it"

    /// The decision and the numbers it was made on, in one line for people.
    public var explanation: String {
        let served = candidates[chosen], top = candidates[best]
        var text = chosen == best
            ? String(format: "%@ serves: the best validation AUC (%.4f)", served.name, served.validAUC)
            : String(format: "%@ serves: validation AUC %.4f, %.4f below %@'s %.4f, within one standard error (%.4f); explanation work %d vs %d",
                     served.name, served.validAUC, served.gap, top.name, top.validAUC, served.gapStandardError,
                     served.cost.explanationWork, top.cost.explanationWork)
        text += String(format: "; %.1f µs per lead scored, %.1f µs explained (measured)", served.cost.scoreMicroseconds, served.cost.explainMicroseconds)
        if let budget = budgetMicroseconds {
            text += budgetUnmet ? String(format: "; no candidate meets the budget of %.0f µs, so it was ignored", budget)
                                : String(format: "; budget %.0f µs per explained lead", budget)
        }
        return text
    }
}
