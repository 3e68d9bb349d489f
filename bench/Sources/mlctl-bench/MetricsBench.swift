import Core
import Evaluation
import Foundation
import Training
import Tuning

/// `mlctl-bench metrics ROWS [RESAMPLES]`: issue #6's evaluation benchmark on ROWS synthetic
/// scored rows (a noisy logistic model of a 10 % base rate): checking and sorting, every
/// headline metric, the whole report (with RESAMPLES bootstrap resamples, default 100, at
/// least 1), and the HTML page.
func benchmarkMetrics(_ arguments: [String]) throws -> [String: Any] {
    let n = Int(arguments[2])!
    var random = SeededGenerator(seed: 1)
    var scores = [Double](repeating: 0, count: n), labels = [UInt8](repeating: 0, count: n)
    for i in 0..<n {
        let signal = random.nextGaussian()
        labels[i] = random.nextDouble() < logistic(signal * 1.5 - 2.6) ? 1 : 0
        scores[i] = logistic(signal * 1.2 - 2.4 + 0.5 * random.nextGaussian())
    }
    var rows: ScoredRows!
    let sortSeconds = try seconds { rows = try ScoredRows(scores: scores, labels: labels) }
    var metrics: [String: Double] = [:]
    let metricSeconds = seconds {
        metrics["roc_auc"] = RankingMetrics.rocAUC(rows)
        metrics["pr_auc"] = ClassificationMetrics.precisionRecallAUC(rows)
        metrics["average_precision"] = ClassificationMetrics.averagePrecision(rows)
        metrics["log_loss"] = ProbabilityMetrics.logLoss(rows)
        metrics["brier"] = ClassificationMetrics.brierScore(rows)
        metrics["ks"] = ClassificationMetrics.ksStatistic(rows)
        metrics["ece"] = ClassificationMetrics.expectedCalibrationError(rows)
        metrics["lift_top10"] = ClassificationMetrics.liftAndCapture(rows, topFraction: 0.1).lift
        metrics["f1_at_0.5"] = ClassificationMetrics.confusion(rows, threshold: 0.5).f1
    }
    let resamples = arguments.count > 3 ? Int(arguments[3])! : 100
    var report: EvaluationReport!
    let reportSeconds = try seconds {
        report = try EvaluationReport(model: "bench", probabilities: scores, labels: labels, resamples: resamples, seed: 2)
    }
    var html = ""
    let htmlSeconds = try seconds {
        html = HTMLReport.render(title: "bench", generator: "mlctl-bench", entries: [HTMLReport.Entry(report: report, rows: try ScoredRows(scores: scores, labels: labels))])
    }
    return ["rows": n, "check_and_sort_s": sortSeconds, "all_metrics_s": metricSeconds, "metrics_total_s": sortSeconds + metricSeconds,
            "report_with_\(resamples)_resamples_s": reportSeconds, "html_s": htmlSeconds, "html_bytes": html.utf8.count, "roc_auc": metrics["roc_auc"]!]
}
