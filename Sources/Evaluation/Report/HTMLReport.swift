import Foundation

/// One self-contained HTML page (inline CSS and SVG, no scripts, no network) with the
/// evaluation of one or more models on the same rows: metric tables with intervals, threshold
/// tables, DeLong's comparisons, and plots — ROC, precision–recall, reliability, cumulative
/// gain, lift, score distribution and, when given, feature importance.
public enum HTMLReport {
    /// A model to show: its report and its scored rows (for the curves).
    public struct Entry {
        public var report: EvaluationReport
        public var rows: ScoredRows
        public init(report: EvaluationReport, rows: ScoredRows) {
            self.report = report
            self.rows = rows
        }
    }

    /// Renders the page. `generator` names the program in the footer (e.g. "mlctl 0.1.0");
    /// `importance` (feature, value) is shown for the featured model, titled with its
    /// `importanceMeasure` (e.g. "total gain"); `contributions` (per-row contributions of the
    /// top features on a sample of rows) adds a SHAP summary plot;
    /// `comparisons` are rows of (model, AUC − first, z, p-value). `featured` names the model
    /// the score distribution, importance and SHAP summary are about, with its scored rows
    /// (train-all: the served model, calibrated); without it, the first entry.
    /// A further section of plain text cells (escaped), e.g. train-all's calibration and
    /// per-vertical decisions.
    public struct Table: Sendable {
        public var title: String
        public var note: String?
        public var header: [String]
        public var rows: [[String]]
        public init(title: String, note: String? = nil, header: [String], rows: [[String]]) {
            self.title = title
            self.note = note
            self.header = header
            self.rows = rows
        }
    }

    public static func render(title: String, generator: String, entries: [Entry], importance: [(String, Double)]? = nil,
                              importanceMeasure: String = "total gain",
                              contributions: (rows: Int, features: [(name: String, contributions: [Double], valueRanks: [Double?])])? = nil,
                              comparisons: [(model: String, difference: Double, z: Double, pValue: Double)] = [],
                              featured: (name: String, rows: ScoredRows)? = nil, tables: [Table] = []) -> String {
        let featured = featured ?? entries.first.map { ($0.report.model, $0.rows) }
        var sections: [String] = []
        // Tables.
        var table = "<table><tr><th>metric</th>" + entries.map { "<th>\(SVGChart.escape($0.report.model))</th>" }.joined() + "</tr>"
        for name in ["roc_auc", "pr_auc", "average_precision", "log_loss", "brier", "ks", "gini", "ece", "lift_top10", "capture_top10", "lift_top20", "capture_top20"] {
            table += "<tr><td>\(name)</td>" + entries.map { entry -> String in
                let value = entry.report.metrics[name] ?? .nan
                let interval = entry.report.intervals[name].map { " <span class=\"ci\">(\(f($0.lower))–\(f($0.upper)))</span>" } ?? ""
                return "<td>\(f(value))\(interval)</td>"
            }.joined() + "</tr>"
        }
        table += "</table>"
        sections.append("<h2>Metrics</h2><p>\(entries.first.map { "\($0.report.rows) rows, \(g($0.report.positives)) positive" } ?? ""); 95 % bootstrap intervals in parentheses.</p>\(table)")
        var thresholds = "<table><tr><th>model</th><th>threshold</th><th>value</th><th>accuracy</th><th>precision</th><th>recall</th><th>F1</th><th>specificity</th><th>TP / FP / FN / TN</th></tr>"
        for entry in entries {
            for name in ["0.5", "max_f1"] {
                guard let t = entry.report.thresholds[name] else { continue }
                let c = t.confusion
                thresholds += "<tr><td>\(SVGChart.escape(entry.report.model))</td><td>\(name)</td><td>\(f(t.threshold))</td><td>\(f(c.accuracy))</td><td>\(f(c.precision))</td><td>\(f(c.recall))</td><td>\(f(c.f1))</td><td>\(f(c.specificity))</td><td>\(g(c.truePositive)) / \(g(c.falsePositive)) / \(g(c.falseNegative)) / \(g(c.trueNegative))</td></tr>"
            }
        }
        sections.append("<h2>Decisions at a threshold</h2>\(thresholds)</table>")
        if !comparisons.isEmpty, let first = entries.first {
            var rows = "<table><tr><th>model</th><th>AUC − \(SVGChart.escape(first.report.model))</th><th>z</th><th>p-value</th></tr>"
            for c in comparisons { rows += "<tr><td>\(SVGChart.escape(c.model))</td><td>\(String(format: "%+.4f", c.difference))</td><td>\(f(c.z))</td><td>\(String(format: "%.3g", c.pValue))</td></tr>" }
            sections.append("<h2>DeLong's test</h2>\(rows)</table>")
        }
        // Plots.
        func series(_ points: (ScoredRows) -> [(x: Double, y: Double)]) -> [SVGChart.Series] {
            entries.map { SVGChart.Series(name: $0.report.model, points: thinned(points($0.rows))) }
        }
        var plots: [String] = []
        plots.append(SVGChart.lines(series { Curves.roc($0).map { ($0.fpr, $0.tpr) } }, title: "ROC", xLabel: "false-positive rate", yLabel: "true-positive rate", diagonal: true))
        plots.append(SVGChart.lines(series { Curves.precisionRecall($0).map { ($0.recall, $0.precision) } }, title: "Precision–recall", xLabel: "recall", yLabel: "precision"))
        plots.append(SVGChart.lines(series { Curves.reliability($0).map { ($0.meanPredicted, $0.observedRate) } }, title: "Reliability (calibration)", xLabel: "mean predicted probability", yLabel: "observed positive rate", diagonal: true))
        plots.append(SVGChart.lines(series { [(0, 0)] + Curves.gainAndLift($0, steps: 20).map { ($0.share, $0.capture) } }, title: "Cumulative gain", xLabel: "share of rows, by score", yLabel: "share of positives", diagonal: true))
        let lifts = series { Curves.gainAndLift($0, steps: 20).map { ($0.share, $0.lift) } }
        let maxLift = max(1, lifts.flatMap { $0.points.map(\.y) }.filter(\.isFinite).max() ?? 1)
        plots.append(SVGChart.lines(lifts, title: "Lift", xLabel: "share of rows, by score", yLabel: "lift", xRange: 0...1, yRange: 0...SVGChart.niceMaximum(maxLift * 1.05)))
        if let featured {
            let distribution = Curves.scoreDistribution(featured.rows, bins: 20)
            let labels = (0..<20).map { SVGChart.format(distribution.edges[$0]) }
            let total = (negative: max(1e-12, distribution.negatives.reduce(0, +)), positive: max(1e-12, distribution.positives.reduce(0, +)))
            plots.append(SVGChart.bars(labels: labels, series: [("label 0", distribution.negatives.map { $0 / total.negative }),
                                                               ("label 1", distribution.positives.map { $0 / total.positive })],
                                       title: "Score distribution by class (\(featured.name))", yLabel: "share of class"))
        }
        if let importance, !importance.isEmpty {
            let top = importance.sorted { $0.1 > $1.1 }.prefix(20)
            plots.append(SVGChart.bars(labels: top.map(\.0), series: [(importanceMeasure, top.map(\.1))], title: "Feature importance (\(featured.map { $0.name + ", " } ?? "")\(importanceMeasure))", yLabel: "", horizontal: true, width: 520))
        }
        if let contributions, !contributions.features.isEmpty {
            plots.append(SVGChart.contributionStrips(contributions.features, title: "SHAP summary (\(featured?.name ?? ""), \(contributions.rows) rows)"))
        }
        sections.append("<h2>Plots</h2><div class=\"plots\">" + plots.map { "<figure>\($0)</figure>" }.joined() + "</div>")
        for extra in tables {
            var html = "<h2>\(SVGChart.escape(extra.title))</h2>"
            if let note = extra.note { html += "<p>\(SVGChart.escape(note))</p>" }
            html += "<table><tr>" + extra.header.map { "<th>\(SVGChart.escape($0))</th>" }.joined() + "</tr>"
            for row in extra.rows { html += "<tr>" + row.map { "<td>\(SVGChart.escape($0))</td>" }.joined() + "</tr>" }
            sections.append(html + "</table>")
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(SVGChart.escape(title))</title>
            <style>
            body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
            table { border-collapse: collapse; margin: 8px 0 20px; font-size: 13px; }
            th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            th { background: #f2f2f2; }
            .ci { color: #777; font-size: 11px; }
            .plots { display: flex; flex-wrap: wrap; gap: 12px; }
            figure { margin: 0; border: 1px solid #eee; padding: 4px; }
            </style></head><body>
            <h1>\(SVGChart.escape(title))</h1>
            \(sections.joined(separator: "\n"))
            <p class="ci">Made by \(SVGChart.escape(generator)).</p>
            </body></html>
            """
    }

    /// At most `limit` points, evenly spaced along the curve, first and last kept: a curve
    /// with one point per distinct score (200,000 of them) would make a page of megabytes
    /// and look the same.
    static func thinned(_ points: [(x: Double, y: Double)], limit: Int = 400) -> [(x: Double, y: Double)] {
        guard points.count > limit else { return points }
        let step = Double(points.count - 1) / Double(limit - 1)
        return (0..<limit).map { points[Int((Double($0) * step).rounded())] }
    }

    private static func f(_ x: Double) -> String { x.isNaN ? "n/a" : String(format: "%.4f", x) }
    private static func g(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.2f", x) }
}
