import Core
import Evaluation
import Foundation
import Training

/// What one train-all run made: every candidate with its test report, the deployed model's
/// calibration and quality levels, the per-vertical decisions, and where the version went.
public struct TrainAllResult {
    public var source: String
    public var seed: UInt64
    public var split: TrainValidTestSplit
    public var testRows: Int
    public var resamples: Int
    /// baseline, the three tuned tree variants, then the ensemble (the global model).
    public var candidates: [CandidateModel]
    /// Test-set evaluation of each candidate, in the same order.
    public var reports: [EvaluationReport]
    /// Validation ROC AUC of each candidate.
    public var validAUC: [Double]
    /// The candidate deployed as `global`.
    public var globalIndex: Int
    /// DeLong's test of each candidate after the baseline against the baseline, on the test rows.
    public var comparisons: [(index: Int, test: DeLongTest?)]
    public var calibration: PlattScaling
    /// Expected calibration error of the global model on the test rows, before and after calibration.
    public var eceBefore: Double
    public var eceAfter: Double
    public var qualityLevels: QualityLevels
    public var verticals: [TrainAllStages.VerticalOutcome]
    /// (stage, seconds), in the order the stages ran.
    public var stageTimes: [(String, Double)]
    /// The registry version written (`v3`) and its directory.
    public var version: String
    public var versionDirectory: URL
    public var promoted: Bool
    /// Seconds for the whole run, loading included.
    public var seconds: Double

    /// report.html: every candidate's curves and metrics on the test rows, the global model's
    /// importance and SHAP summary, DeLong's comparisons, calibration and per-vertical tables.
    func htmlReport(testLabels: [UInt8], contributions: ContributionSummary) throws -> String {
        let entries = try zip(reports, candidates).map { report, candidate in
            HTMLReport.Entry(report: report, rows: try ScoredRows(scores: candidate.testProbabilities, labels: testLabels))
        }
        let rows = comparisons.compactMap { c in c.test.map { (model: candidates[c.index].name, difference: $0.aucA - $0.aucB, z: $0.z, pValue: $0.pValue) } }
        let global = candidates[globalIndex]
        // The plots about one model are about the served one: the global model, calibrated.
        let served = try ScoredRows(scores: global.testRaw.map { calibration.probability($0) }, labels: testLabels)
        return HTMLReport.render(title: "train-all \(source)", generator: "mlctl \(MLCTLVersion.current)", entries: entries,
                                 importance: Array(zip(global.model.features.map(\.name), global.model.featureImportance)),
                                 importanceMeasure: "weighted share of each member's importance",
                                 contributions: contributions.plotData, comparisons: rows,
                                 featured: ("served model: global = \(global.name), calibrated", served), tables: reportTables)
    }

    /// The report's sections on the deployed model's calibration and on the per-vertical models.
    private var reportTables: [HTMLReport.Table] {
        let number = { (x: Double) in String(format: "%.4f", x) }
        let calibrationTable = HTMLReport.Table(
            title: "Calibration and quality levels of the global model",
            note: "Platt scaling p = σ(a·raw + b), fitted on the validation rows; expected calibration error on the test rows. Quality levels are cut-offs on the calibrated probability, chosen on the validation rows (top 10 %, next 20 %, next 30 %, the rest).",
            header: ["a", "b", "test ECE before", "test ECE after"] + QualityLevels.names.prefix(3).map { "\($0) ≥" },
            rows: [[number(calibration.a), number(calibration.b), number(eceBefore), number(eceAfter)] + qualityLevels.cutoffs.map(number)])
        let verticalTable = HTMLReport.Table(
            title: "Per-vertical models",
            note: "A vertical keeps a model of its own only when it beats the global model on that vertical's validation rows; otherwise the global model serves it.",
            header: ["vertical", "train rows", "positives", "served by", "valid AUC own", "valid AUC global", "test AUC own", "test AUC global", "decision"],
            rows: verticals.map { v in
                [v.vertical, String(v.trainRows), String(v.trainPositives), v.candidate == nil ? "global" : v.vertical,
                 v.validAUC.map { number($0.own) } ?? "-", v.validAUC.map { number($0.global) } ?? "-",
                 v.testAUC.map { number($0.own) } ?? "-", v.testAUC.map { number($0.global) } ?? "-", v.decision]
            })
        return [calibrationTable, verticalTable]
    }

    /// The run's closing text for people: the test-set table with DeLong's comparisons, the
    /// stage times, what was written, calibration, and each vertical's decision.
    public var description: String {
        var lines = ["", "test rows (\(formatCount(testRows))), AUC with 95 % bootstrap interval (\(resamples) resamples); DeLong against the baseline:",
                     "  model                 valid AUC   test AUC (95 % CI)          log loss   Δ AUC vs baseline   p-value    time"]
        for (index, candidate) in candidates.enumerated() {
            let report = reports[index]
            let interval = report.intervals["roc_auc"]
            let ci = interval.map { String(format: "%.4f (%.4f–%.4f)", $0.estimate, $0.lower, $0.upper) } ?? "-"
            var comparison = "                   -          -"
            if index > 0, let delong = comparisons[index - 1].test {
                comparison = String(format: "%+17.4f   %9.2g", delong.aucA - delong.aucB, delong.pValue)
            }
            let marker = index == globalIndex ? " *" : "  "
            lines.append(String(format: "  %@%@ %9.4f   %@   %8.4f   %@   %@", candidate.name.padding(toLength: 18, withPad: " ", startingAt: 0), marker,
                                validAUC[index], ci.padding(toLength: 26, withPad: " ", startingAt: 0), report.metrics["log_loss"] ?? .nan,
                                comparison, formatDuration(candidate.seconds)))
        }
        lines.append("  * global model: the ensemble (its weights were fitted on the validation rows, so its validation AUC is optimistic)")
        lines.append("")
        lines.append("stages: " + stageTimes.map { "\($0.0) \(formatDuration($0.1))" }.joined(separator: ", ") + "; total \(formatDuration(seconds))")
        let promotedNote = promoted ? "(now current)" : "(not promoted)"
        let verticalBundles = verticals.compactMap { $0.candidate?.name }
        lines.append("wrote \(versionDirectory.path) \(promotedNote): \((candidates.map(\.name) + ["global"] + verticalBundles).joined(separator: ", ")), summary.json, report.html")
        lines.append(String(format: "global model calibrated (Platt scaling on validation): test ECE %.4f → %.4f; quality cut-offs High ≥ %.4f, Medium ≥ %.4f, Low ≥ %.4f",
                            eceBefore, eceAfter, qualityLevels.cutoffs[0], qualityLevels.cutoffs[1], qualityLevels.cutoffs[2]))
        for outcome in verticals {
            let test = outcome.testAUC.map { String(format: " (test AUC own %.4f, global %.4f)", $0.own, $0.global) } ?? ""
            lines.append("vertical \(outcome.vertical): \(outcome.decision)\(test)")
        }
        if verticals.isEmpty { lines.append("no per-vertical models: the data has no categorical 'vertical' column") }
        return lines.joined(separator: "\n")
    }
}
