import Evaluation
import Foundation

/// The analysis of a test of any number of arms: every arm's outcome, each other arm compared
/// with the control by ``ExperimentAnalysis`` (with α split among the comparisons, so that the
/// chance of naming any false winner stays at most α), one sample-ratio check over all arms,
/// and the test's recommendation.
///
/// A two-arm test is one comparison at the full α: the same analysis as before tests had arms.
public struct ABTestAnalysis: Sendable {
    /// Every arm's outcome, control first.
    public var arms: [VariantOutcome]
    /// Arm `i + 1` against the control, for each `i`.
    public var comparisons: [ExperimentAnalysis]
    /// The observed split of leads over all arms against the configured one.
    public var sampleRatio: SampleRatioCheck
    /// What to do with the test.
    public var recommendation: ExperimentAction
    /// The arm to deploy, with ``recommendation`` `.deploy`: of the arms that beat the control
    /// on the primary metric without harm, the one with the best primary metric.
    public var winner: String?
    /// One sentence per fact that decided the recommendation.
    public var reasons: [String]
    /// The same analysis on each vertical's leads alone (filled by ``ABTestStore/results(of:)``),
    /// to see where a change helps or harms; the test's recommendation rests on all leads.
    public var verticals: [(name: String, analysis: ABTestAnalysis)] = []

    /// Analyses `test` from each arm's final outcome (in the test's arm order) and the running
    /// totals of every arm at the end of each day (`looks`, oldest first).
    public init(test: ABTest, arms: [VariantOutcome], looks: [[VariantTotals]]) {
        precondition(arms.count == test.arms.count && arms.count >= 2, "one outcome per arm")
        self.arms = arms
        let stopped = test.status == .stopped
        comparisons = (1..<arms.count).map { index in
            ExperimentAnalysis(plan: test.plan(comparing: index), control: arms[0], treatment: arms[index],
                               looks: looks.map { ($0[0], $0[index]) }, stopped: stopped)
        }
        sampleRatio = SampleRatioCheck(observed: arms.map(\.totals.leads), shares: test.arms.map { Double($0.percent) / 100 })
        (recommendation, winner, reasons) = Self.recommend(comparisons: comparisons, sampleRatio: sampleRatio, arms: test.arms)
    }

    /// A two-arm test's recommendation is its comparison's. With more arms: deploy the best
    /// arm among those whose comparison says deploy; otherwise keep running while any
    /// comparison wants more data; roll back when every arm is worse than the control; iterate
    /// otherwise. A sample-ratio mismatch over all arms stops any deployment.
    static func recommend(comparisons: [ExperimentAnalysis], sampleRatio: SampleRatioCheck, arms: [ABArm])
        -> (ExperimentAction, String?, [String]) {
        if comparisons.count == 1 {
            let only = comparisons[0]
            return (only.recommendation, only.recommendation == .deploy ? arms[1].name : nil, only.reasons)
        }
        if !sampleRatio.passed {
            return (.iterate, nil, ["The leads per arm do not fit the configured split (chi-square p = \(String(format: "%.1e", sampleRatio.pValue))): check the assignment before trusting any result."])
        }
        let alpha = comparisons[0].plan.alpha
        let perArm = comparisons.enumerated().map { index, comparison in
            "\(arms[index + 1].name) (\(arms[index + 1].scorer)) against \(arms[0].name): \(comparison.recommendation.rawValue.replacingOccurrences(of: "_", with: " ")) — " + (comparison.reasons.first ?? "")
        }
        let split = "α is split among \(comparisons.count) comparisons with the control: each is judged at \(String(format: "%.4g", alpha))."
        let deployable = comparisons.indices.filter { comparisons[$0].recommendation == .deploy }
        // Every primary metric (conversion, acceptance, revenue per lead) is better higher.
        if let best = deployable.max(by: { comparisons[$0].primaryTreatment < comparisons[$1].primaryTreatment }) {
            return (.deploy, arms[best + 1].name, ["Deploy \(arms[best + 1].name): of the arms that beat the control, it has the best \(comparisons[best].plan.primaryMetric.rawValue.replacingOccurrences(of: "_", with: " "))."] + [split] + perArm)
        }
        if comparisons.contains(where: { $0.recommendation == .keepRunning }) { return (.keepRunning, nil, [split] + perArm) }
        if comparisons.allSatisfy({ $0.recommendation == .rollBack }) { return (.rollBack, nil, [split] + perArm) }
        return (.iterate, nil, [split] + perArm)
    }
}
