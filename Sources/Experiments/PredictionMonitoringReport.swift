import Core
import Foundation

/// ``PredictionMonitoring`` as JSON (`GET /api/v1/lead-scoring-ml/monitoring` and
/// `mlctl monitor --json` write the same object) and as a table for a terminal.
public enum PredictionMonitoringReport {
    /// The figures as the members of a JSON object (`days`, `level`, `thresholds`, `versions`).
    public static func writeMembers(_ m: PredictionMonitoring, thresholds: PredictionMonitoring.Thresholds, to o: inout JSONWriter) {
        o.field("days", m.days)
        o.field("level", m.level.rawValue)
        o.key("thresholds")
        o.object { t in
            t.field("aucDropWarning", thresholds.aucDropWarning)
            t.field("aucDropAlert", thresholds.aucDropAlert)
            t.field("calibrationWarning", thresholds.calibrationWarning)
            t.field("calibrationAlert", thresholds.calibrationAlert)
            t.field("minimumPerClass", thresholds.minimumPerClass)
            t.field("scoreDriftWarning", thresholds.scoreDriftWarning)
            t.field("scoreDriftAlert", thresholds.scoreDriftAlert)
            t.field("minimumScored", thresholds.minimumScored)
        }
        o.key("versions")
        o.array { a in
            for row in m.rows {
                a.object { r in
                    r.field("version", row.version)
                    r.field("vertical", row.vertical)
                    r.field("scored", row.scored)
                    r.field("meanScore", row.meanScore)
                    r.field("withOutcome", row.withOutcome)
                    r.field("conversions", row.conversions)
                    r.field("conversionRate", row.conversionRate)
                    r.field("auc", row.auc)
                    r.field("expectedAuc", row.expectedAUC)
                    r.field("logLoss", row.logLoss)
                    r.field("calibrationError", row.calibrationError)
                    r.field("scoreDrift", row.scoreDrift)
                    r.field("level", row.level.rawValue)
                    r.key("reasons")
                    r.array { list in for reason in row.reasons { list.string(reason) } }
                }
            }
        }
    }

    /// A table, one line per version and vertical, then the reasons of rows that warn or alert.
    public static func text(_ m: PredictionMonitoring) -> String {
        guard !m.rows.isEmpty else { return "no leads scored in the last \(m.days) days" }
        let number = { (x: Double?, format: String) in x.map { $0.isFinite ? String(format: format, $0) : "-" } ?? "-" }
        var lines = ["leads scored in the last \(m.days) days, by model version and vertical (PSI: the stored scores against the version's on its test rows); level \(m.level.rawValue.uppercased())",
                     "version".padding(toLength: 22, withPad: " ", startingAt: 0) + "vertical".padding(toLength: 12, withPad: " ", startingAt: 0)
                        + ["scored", "outcome", "conv.", "mean", "rate", "AUC", "test AUC", "log loss", "ECE", "PSI"].map { $0.leftPadded(9) }.joined() + "  level"]
        for row in m.rows {
            let cells = [formatCount(row.scored), formatCount(row.withOutcome), formatCount(row.conversions), number(row.meanScore, "%.4f"),
                         number(row.conversionRate, "%.4f"), number(row.auc, "%.4f"), number(row.expectedAUC, "%.4f"),
                         number(row.logLoss, "%.4f"), number(row.calibrationError, "%.4f"), number(row.scoreDrift, "%.4f")]
            lines.append(row.version.padding(toLength: 22, withPad: " ", startingAt: 0) + row.vertical.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + cells.map { $0.leftPadded(9) }.joined() + "  " + row.level.rawValue)
        }
        for row in m.rows where row.level >= .warning {
            lines.append("\(row.level.rawValue.uppercased()) \(row.version) \(row.vertical): " + row.reasons.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}
