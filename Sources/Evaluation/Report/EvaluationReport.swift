import Core
import Foundation

/// What `mlctl evaluate` reports about one model's probabilities on labelled rows: headline
/// metrics with bootstrap confidence intervals, threshold metrics at 0.5 and at the F1-best
/// threshold, and lift. Renders as stable JSON (sorted keys; documented in the README) or as
/// a Markdown table.
public struct EvaluationReport: Sendable {
    public var model: String
    public var rows: Int
    public var positives: Double
    /// Headline metrics by name (`roc_auc`, `pr_auc`, `average_precision`, `log_loss`,
    /// `brier`, `ks`, `gini`, `ece`, `lift_top10`, `capture_top10`, `lift_top20`, `capture_top20`).
    public var metrics: [String: Double]
    /// 95 % percentile bootstrap intervals of `roc_auc`, `pr_auc` and `log_loss`.
    public var intervals: [String: Bootstrap.Interval]
    /// Threshold metrics by threshold name (`0.5`, `max_f1`).
    public var thresholds: [String: (threshold: Double, confusion: ClassificationMetrics.Confusion)]

    /// Evaluates `probabilities` against `labels`; `seed` drives the bootstrap (the intervals
    /// do not depend on `threads`).
    public init(model: String, probabilities: [Double], labels: [UInt8], resamples: Int = 1000,
                seed: UInt64, threads: Int = ScoredRows.defaultThreads) throws(ScoredRows.Problem) {
        let rows = try ScoredRows(scores: probabilities, labels: labels, threads: threads)
        self.model = model
        self.rows = probabilities.count
        positives = rows.positiveWeight
        let auc = RankingMetrics.rocAUC(rows)
        metrics = [
            "roc_auc": auc, "gini": 2 * auc - 1, "pr_auc": ClassificationMetrics.precisionRecallAUC(rows),
            "average_precision": ClassificationMetrics.averagePrecision(rows), "log_loss": ProbabilityMetrics.logLoss(rows),
            "brier": ClassificationMetrics.brierScore(rows), "ks": ClassificationMetrics.ksStatistic(rows),
            "ece": ClassificationMetrics.expectedCalibrationError(rows),
        ]
        for k in [10, 20] {
            let (lift, capture) = ClassificationMetrics.liftAndCapture(rows, topFraction: Double(k) / 100)
            metrics["lift_top\(k)"] = lift
            metrics["capture_top\(k)"] = capture
        }
        intervals = Bootstrap.intervals(rows, metrics: [("roc_auc", RankingMetrics.rocAUC), ("pr_auc", ClassificationMetrics.precisionRecallAUC),
                                                        ("log_loss", ProbabilityMetrics.logLoss)],
                                        resamples: resamples, seed: seed, threads: threads)
        let best = ThresholdChoice.maximumF1(rows)
        thresholds = ["0.5": (0.5, ClassificationMetrics.confusion(rows, threshold: 0.5)),
                      "max_f1": (best, ClassificationMetrics.confusion(rows, threshold: best))]
    }

    /// The report as a JSON document (see the README's "evaluate JSON" section); undefined
    /// metrics read `null`.
    public var document: Document {
        Document(model: model, rows: rows, positives: positives, metrics: metrics.mapValues(JSONNumber.init),
                 intervals: intervals.mapValues { Document.Interval(estimate: JSONNumber($0.estimate), lower: JSONNumber($0.lower),
                                                                    upper: JSONNumber($0.upper), confidence: $0.confidence) },
                 thresholds: thresholds.mapValues { entry in
                     let c = entry.confusion
                     return Document.Threshold(threshold: entry.threshold, accuracy: c.accuracy, precision: c.precision, recall: c.recall,
                                               f1: c.f1, specificity: c.specificity,
                                               confusion: .init(tn: c.trueNegative, fp: c.falsePositive, fn: c.falseNegative, tp: c.truePositive))
                 })
    }

    /// The JSON form of a report.
    public struct Document: Codable, Sendable, Equatable {
        public struct Interval: Codable, Sendable, Equatable {
            public var estimate, lower, upper: JSONNumber
            public var confidence: Double
        }
        public struct Threshold: Codable, Sendable, Equatable {
            public struct Counts: Codable, Sendable, Equatable {
                public var tn, fp, fn, tp: Double
            }
            public var threshold, accuracy, precision, recall, f1, specificity: Double
            public var confusion: Counts
        }
        public var model: String
        public var rows: Int
        public var positives: Double
        public var metrics: [String: JSONNumber]
        public var intervals: [String: Interval]
        public var thresholds: [String: Threshold]
    }

    /// Markdown: one table of metrics with intervals, one of threshold metrics.
    public var markdown: String {
        func f(_ x: Double) -> String { x.isNaN ? "n/a" : String(format: "%.4f", x) }
        var lines = ["## \(model)", "", "\(rows) rows, \(f(positives).replacingOccurrences(of: ".0000", with: "")) positive", "",
                     "| metric | value | 95 % interval |", "|---|---:|---|"]
        for name in ["roc_auc", "pr_auc", "average_precision", "log_loss", "brier", "ks", "gini", "ece", "lift_top10", "capture_top10", "lift_top20", "capture_top20"] {
            let interval = intervals[name].map { "\(f($0.lower)) – \(f($0.upper))" } ?? ""
            lines.append("| \(name) | \(f(metrics[name] ?? .nan)) | \(interval) |")
        }
        lines += ["", "| threshold | value | accuracy | precision | recall | F1 | specificity |", "|---|---:|---:|---:|---:|---:|---:|"]
        for name in ["0.5", "max_f1"] {
            guard let entry = thresholds[name] else { continue }
            let c = entry.confusion
            lines.append("| \(name) | \(f(entry.threshold)) | \(f(c.accuracy)) | \(f(c.precision)) | \(f(c.recall)) | \(f(c.f1)) | \(f(c.specificity)) |")
        }
        return lines.joined(separator: "\n")
    }
}
