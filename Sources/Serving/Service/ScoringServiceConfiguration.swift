import Foundation

/// Settings of a ``ScoringService``.
public struct ScoringServiceConfiguration: Sendable {
    /// A model bundle or a registry written by `train-all` (its current version is served).
    public var modelsDirectory: URL
    /// PostgreSQL for `POST /api/v1/lead-scoring-ml/score/:leadId`; `nil`: that route answers 503.
    public var databaseURL: String?
    /// The bearer token of the admin routes; `nil` disables them (404).
    public var adminToken: String?
    /// Event loops (one database connection each, for the A/B and readiness routes).
    public var workers = 2
    /// Threads (each with its own database connection) that read the leads of lead-by-id
    /// requests, those of concurrent requests with one statement, off the event loops: a slow
    /// or unreachable database delays only those requests. One reads every batch while it
    /// keeps up; the others stand by for a read that stalls (``BatchQueue``). No thread waits
    /// per request, so two suffice.
    public var databaseThreads = 2
    /// Most leads in one `score-batch` request, most instances in one `predict` request.
    public var maxBatch = 1000
    /// Top factors returned when the request does not say (`?factors=N`).
    public var defaultFactors = 5
    /// Rows in each model's drift window.
    public var driftWindow = 10_000
    /// Seconds between the checks that log a `drift_alert` when a feature's drift reaches the
    /// alert level; 0: no checks.
    public var driftCheckInterval = 60.0

    public init(modelsDirectory: URL) { self.modelsDirectory = modelsDirectory }
}

/// The loaded models with their drift monitors, swapped as one on reload.
final class ServingState: Sendable {
    let catalog: ModelCatalog
    let drift: [String: DriftMonitor]

    init(catalog: ModelCatalog, window: Int) {
        self.catalog = catalog
        self.drift = Self.driftMonitors(for: catalog, window: window)
    }

    /// A drift window for each model of `catalog` whose bundle has an input profile, by name.
    static func driftMonitors(for catalog: ModelCatalog, window: Int) -> [String: DriftMonitor] {
        var drift: [String: DriftMonitor] = [:]
        for (name, model) in catalog.models {
            if let profile = model.manifest.inputProfile {
                drift[name] = DriftMonitor(profile: profile, features: model.encoder.features, window: window)
            }
        }
        return drift
    }
}
