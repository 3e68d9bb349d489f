import Core
import Database
import Evaluation
import Experiments
import Foundation
import Leads
import Training

/// Whether the evidence calls for a retrain (`mlctl retrain --on-alert`): the current
/// version's prediction monitoring (``PredictionMonitoring``: live AUC against its test AUC,
/// calibration, drift of its stored scores) at the alert level, or the input drift of a
/// feature that matters to its global model — one of its ``importantFeatures`` most important
/// features — at PSI ≥ ``PopulationStability/alert`` on the leads created in the window.
public enum RetrainTrigger {
    /// The features checked for input drift: the global model's most important ones (gain for
    /// trees, |coefficient| × standard deviation for the baseline, by weight for ensembles).
    public static let importantFeatures = 10
    /// Leads needed in the window before input drift is judged (as in the service).
    public static let minimumLeads = 100

    public struct Check: Sendable {
        /// True when some figure is at the alert level: retrain.
        public var alerting: Bool
        /// One sentence per figure checked, alerts first.
        public var reasons: [String]
    }

    /// The check for version `current` of `registry`, over the leads created and scores stored
    /// in the last `days` days.
    public static func check(database db: PostgresConnection, registry: ModelRegistry, current: String, days: Int,
                             threads: Int = defaultThreadCount) throws -> Check {
        var alerts: [String] = [], quiet: [String] = []
        let monitoring = try PredictionMonitoring.read(from: db, days: days, expected: VersionExpectation.lookup(registry: registry.root))
        let mine = monitoring.rows.filter { $0.version.hasPrefix(current + "/") }
        for row in mine where row.level == .alert {
            alerts.append("monitoring of \(row.version) (\(row.vertical)) alerts: " + row.reasons.joined(separator: "; "))
        }
        if !mine.contains(where: { $0.level == .alert }) {
            quiet.append(mine.isEmpty ? "no scores of \(current) stored in the last \(days) days"
                         : "monitoring of \(current) below the alert level (worst: \(mine.map(\.level).max()!.rawValue))")
        }

        let (manifest, model) = try ModelBundle.read(from: registry.directory(of: current).appendingPathComponent("global"))
        if let profile = manifest.inputProfile {
            let (leads, agents) = try LeadStore.loadLeads(from: db, filter: LeadFilter(days: days))
            if leads.count < minimumLeads {
                quiet.append("\(formatCount(leads.count)) leads created in the last \(days) days; \(minimumLeads) are needed to judge input drift")
            } else {
                let importance = model.featureImportance
                let ranked = model.features.indices.filter { importance[$0] > 0 }.sorted { importance[$0] > importance[$1] }
                let important = Set(ranked.prefix(importantFeatures).map { model.features[$0].name })
                let drift = profile.drift(of: LeadDataset.make(leads: leads, agents: agents, threads: threads)).filter { important.contains($0.feature) }
                let drifted = drift.filter { $0.psi >= PopulationStability.alert }
                for feature in drifted {
                    alerts.append("input drift of \(feature.feature) (one of the \(importantFeatures) most important features of \(current)/global): PSI "
                                  + String(format: "%.3f", feature.psi) + " on \(formatCount(leads.count)) leads")
                }
                if drifted.isEmpty, let worst = drift.first {
                    quiet.append("input drift below the alert level on the \(important.count) most important features (largest: \(worst.feature), PSI "
                                 + String(format: "%.3f", worst.psi) + ")")
                }
            }
        } else {
            quiet.append("\(current)/global has no input profile: input drift not checked")
        }
        return Check(alerting: !alerts.isEmpty, reasons: alerts + quiet)
    }
}
