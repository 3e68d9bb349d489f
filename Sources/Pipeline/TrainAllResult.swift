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
    /// Which candidate serves as `global`, and each candidate's serving cost.
    public var served: ServedModelChoice
    /// The global model's calibration, decided on the validation rows.
    public var calibration: CalibrationChoice
    /// The decision checked on the test rows.
    public var calibrationCheck: CalibrationCheck
    public var qualityLevels: QualityLevels
    public var verticals: [TrainAllStages.VerticalOutcome]
    /// The rows every shipped model was fitted on again after the decisions; nil when the
    /// models ship as fitted on the training rows (`--no-refit`).
    public var refitRows: Int?
    /// On a small table, the training and validation rows whose out-of-fold scores made the
    /// decisions (``TrainAllCrossFit``); nil when a validation split made them.
    public var crossFitRows: Int?
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
        let served = try ScoredRows(scores: global.testRaw.map { calibration.probability(rawScore: $0) }, labels: testLabels)
        return HTMLReport.render(title: "train-all \(source)", generator: "mlctl \(MLCTLVersion.current)", entries: entries,
                                 importance: Array(zip(global.model.features.map(\.name), global.model.featureImportance)),
                                 importanceMeasure: global.model.importanceMeasure,
                                 contributions: contributions.plotData, comparisons: rows,
                                 featured: ("served model: \(servedModelName)", served), tables: reportTables)
    }

    /// What serves by default, in words: `global = ensemble, calibrated` (or `uncalibrated`).
    var servedModelName: String {
        "global = \(candidates[globalIndex].name), \(calibration.kept ? "calibrated" : "uncalibrated")"
    }

    /// The global model's calibration checked on the test rows, which the decision did not
    /// see: expected calibration error and log loss of σ(raw) and of the Platt map fitted on
    /// the validation rows (whether or not it was kept).
    public struct CalibrationCheck: Sendable {
        public var uncalibratedECE, plattECE, uncalibratedLogLoss, plattLogLoss: Double

        init(testRaw: [Double], labels: [UInt8], platt: PlattScaling) throws {
            let uncalibrated = try ScoredRows(scores: testRaw.map(stableLogistic), labels: labels)
            let calibrated = try ScoredRows(scores: testRaw.map { platt.probability($0) }, labels: labels)
            uncalibratedECE = ClassificationMetrics.expectedCalibrationError(uncalibrated)
            plattECE = ClassificationMetrics.expectedCalibrationError(calibrated)
            uncalibratedLogLoss = ProbabilityMetrics.logLoss(uncalibrated)
            plattLogLoss = ProbabilityMetrics.logLoss(calibrated)
        }
    }

    /// The report's sections on the deployed model's calibration and on the per-vertical models.
    private var reportTables: [HTMLReport.Table] {
        let number = { (x: Double) in String(format: "%.4f", x) }
        let check = calibrationCheck
        let calibrationTable = HTMLReport.Table(
            title: "Calibration and quality levels of the global model",
            note: "Platt scaling p = σ(a·raw + b) is fitted on the validation rows and kept only if it lowers their log loss out of sample (\(calibration.folds)-fold cross-fitted, against the uncalibrated σ(raw)): \(calibration.explanation). The test rows, which the decision did not see, check it. Quality levels are cut-offs on the served probability, chosen on the validation rows (top 10 %, next 20 %, next 30 %, the rest).",
            header: ["served", "a", "b", "valid log loss uncalibrated", "valid log loss Platt (cross-fitted)",
                     "test log loss uncalibrated", "test log loss Platt", "test ECE uncalibrated", "test ECE Platt"] + QualityLevels.names.prefix(3).map { "\($0) ≥" },
            rows: [[calibration.kept ? "Platt" : "uncalibrated", number(calibration.platt.a), number(calibration.platt.b),
                    number(calibration.uncalibratedLogLoss), number(calibration.crossFittedLogLoss),
                    number(check.uncalibratedLogLoss), number(check.plattLogLoss), number(check.uncalibratedECE), number(check.plattECE)]
                   + qualityLevels.cutoffs.map(number)])
        let verticalTable = HTMLReport.Table(
            title: "Per-vertical models",
            note: "A vertical keeps a model of its own only when it beats the global model on that vertical's validation rows by more than the noise: DeLong's paired test of the two AUCs, one-sided, p < \(VerticalChoice.level). Otherwise the global model serves it. The test AUCs check the decision.",
            header: ["vertical", "train rows", "positives", "served by", "valid AUC own", "valid AUC global", "DeLong z", "one-sided p",
                     "test AUC own", "test AUC global", "decision"],
            rows: verticals.map { v in
                [v.vertical, String(v.trainRows), String(v.trainPositives), v.candidate == nil ? "global" : v.vertical,
                 v.choice.map { number($0.ownAUC) } ?? "-", v.choice.map { number($0.globalAUC) } ?? "-",
                 v.choice.map { String(format: "%.2f", $0.z) } ?? "-", v.choice.map { String(format: "%.3g", $0.oneSidedPValue) } ?? "-",
                 v.testAUC.map { number($0.own) } ?? "-", v.testAUC.map { number($0.global) } ?? "-", v.decision]
            })
        let servedTable = HTMLReport.Table(
            title: "Serving cost and the served model",
            note: "The global model is \(ServedModelChoice.rule). Explanation work is machine-independent (so a seed always gives the same choice); the times were measured on this machine, one thread, on \(ServingCost.defaultRows) validation rows. \(served.explanation).\(crossFitRows.map { " A small table: every decision (ensemble weights, served model, calibration, quality levels) came from \(TrainAllCrossFit.folds)-fold out-of-fold scores on the \(formatCount($0)) training and validation rows, on which the candidates were also fitted." } ?? "")\(refitRows.map { " After every decision, the shipped models were refitted on all \(formatCount($0)) rows (same parameters and rounds); the test figures in this report are from before the refit." } ?? "")",
            header: ["candidate", "valid AUC", "gap to best", "± 1 SE", "within noise", "µs scored", "µs scored + explained", "explanation work", "served"],
            rows: served.candidates.enumerated().map { index, c in
                [c.name, number(c.validAUC), number(c.gap), number(c.gapStandardError), c.withinNoise ? "yes" : "no",
                 String(format: "%.1f", c.cost.scoreMicroseconds), String(format: "%.1f", c.cost.explainMicroseconds), String(c.cost.explanationWork),
                 index == served.chosen ? "global" : ""]
            })
        return [servedTable, calibrationTable, verticalTable]
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
        lines.append("  * served as global (the ensemble's weights were fitted on the validation rows, so its validation AUC is optimistic)")
        lines.append("")
        lines.append("serving cost per lead on this machine (one thread, \(ServingCost.defaultRows) validation rows): scored / scored and explained, explanation work")
        for candidate in served.candidates {
            let noise = candidate.gapStandardError > 0 ? String(format: "   gap to best %.4f ± %.4f", candidate.gap, candidate.gapStandardError) : ""
            lines.append(String(format: "  %@ %8.1f µs / %8.1f µs   %9d%@", candidate.name.padding(toLength: 18, withPad: " ", startingAt: 0),
                                candidate.cost.scoreMicroseconds, candidate.cost.explainMicroseconds, candidate.cost.explanationWork, noise))
        }
        lines.append("served model: \(served.explanation)")
        lines.append("")
        lines.append("stages: " + stageTimes.map { "\($0.0) \(formatDuration($0.1))" }.joined(separator: ", ") + "; total \(formatDuration(seconds))")
        if let crossFitRows {
            lines.append("decisions (ensemble weights, served model, calibration, quality levels) from \(TrainAllCrossFit.folds)-fold out-of-fold scores on the \(formatCount(crossFitRows)) training and validation rows: a small table")
        }
        if let refitRows {
            lines.append("shipped models refitted on all \(formatCount(refitRows)) rows after the decisions (the test figures above are from before the refit)")
        }
        let promotedNote = promoted ? "(now current)" : "(not promoted)"
        let verticalBundles = verticals.compactMap { $0.candidate?.name }
        lines.append("wrote \(versionDirectory.path) \(promotedNote): \((candidates.map(\.name) + ["global"] + verticalBundles).joined(separator: ", ")), summary.json, report.html")
        lines.append("global model calibration: \(calibration.explanation)")
        lines.append(String(format: "  checked on the test rows: log loss %.5f uncalibrated, %.5f Platt; ECE %.4f uncalibrated, %.4f Platt",
                            calibrationCheck.uncalibratedLogLoss, calibrationCheck.plattLogLoss, calibrationCheck.uncalibratedECE, calibrationCheck.plattECE))
        lines.append(String(format: "quality cut-offs on the served probability: High ≥ %.4f, Medium ≥ %.4f, Low ≥ %.4f",
                            qualityLevels.cutoffs[0], qualityLevels.cutoffs[1], qualityLevels.cutoffs[2]))
        for outcome in verticals {
            let test = outcome.testAUC.map { String(format: "; checked on test: AUC own %.4f, global %.4f", $0.own, $0.global) } ?? ""
            let calibration = outcome.calibration.map { "; its calibration: \($0.explanation)" } ?? ""
            lines.append("vertical \(outcome.vertical): \(outcome.decision)\(test)\(calibration)")
        }
        if verticals.isEmpty { lines.append("no per-vertical models: the data has no categorical 'vertical' column") }
        return lines.joined(separator: "\n")
    }
}
