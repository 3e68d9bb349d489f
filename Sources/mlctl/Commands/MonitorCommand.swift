import Core
import Database
import Experiments
import Foundation
import Serving

/// `mlctl monitor`: the live quality of the stored scores per model version and vertical
/// (``PredictionMonitoring``), for a terminal, a script or a scheduled job that retrains on alerts.
enum MonitorCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["monitor"], summary: "Live AUC, log loss and calibration of the stored scores per model version and vertical",
            options: ABCommands.database + [
                ModelsCommands.registryOption,
                .value("days", "N", "leads scored in the last N days", default: "30"),
                .value("fail-at", "LEVEL", "exit with status 3 when any row reaches warning or alert (for a job that retrains)"),
                .value("format", "F", "text or json (the document of GET /api/v1/lead-scoring-ml/monitoring, without drift)", default: "text"),
            ],
            discussion: """
                A lead counts once its outcome is known (converted true or false; NULL while open). Each version is held
                to the test AUC in its bundle's manifest (in the registry --models): a drop of 0.03 warns, 0.05 alerts;
                a calibration error past 0.05 warns, 0.10 alerts; with fewer than 30 conversions or non-conversions a
                row is 'insufficient'. Example, in a daily job: mlctl monitor --fail-at alert || mlctl train-all ...
                """),
        run: { options in
            let days = try options.int("days", in: 1...3660) ?? 30
            let failAt = try options.choice("fail-at", ["warning", "alert"], default: nil).flatMap { PredictionMonitoring.Level(rawValue: $0) }
            let db = try PostgresConnection(url: try options.requiredDatabaseURL())
            let thresholds = PredictionMonitoring.Thresholds()
            let registry = URL(fileURLWithPath: options.string("models") ?? "models")
            let monitoring = try PredictionMonitoring.read(from: db, days: days, thresholds: thresholds,
                                                           expected: VersionExpectation.lookup(registry: registry))
            if try options.wantsJSON() {
                var writer = JSONWriter()
                writer.object { o in PredictionMonitoringReport.writeMembers(monitoring, thresholds: thresholds, to: &o) }
                Console.out(String(decoding: writer.bytes, as: UTF8.self))
            } else {
                Console.out(PredictionMonitoringReport.text(monitoring))
            }
            if let failAt, monitoring.level >= failAt { return 3 }
            return 0
        })
}
