import Core
import Experiments
import Foundation

/// Health, readiness, Prometheus metrics, the model list, drift and hot reload.
extension ScoringService {
    func ready(_ state: ServingState, worker: Int) -> HTTPResponse {
        let databaseOK = database?.isReachable(worker: worker)
        let ready = databaseOK ?? true
        var writer = JSONWriter()
        writer.object { o in
            o.field("status", ready ? "ready" : "not ready")
            o.field("models", state.catalog.models.count)
            o.field("database", databaseOK.map { $0 ? "reachable" : "unreachable" } ?? "not configured")
        }
        return .json(ready ? 200 : 503, writer.bytes)
    }

    func modelsResponse(_ catalog: ModelCatalog) -> HTTPResponse {
        var writer = JSONWriter(capacity: 4096)
        writer.object { o in
            o.field("version", catalog.version)
            o.key("global")
            if let global = catalog.global { o.string(global.name) } else { o.null() }
            o.key("verticals")
            o.object { v in for (vertical, model) in catalog.verticals.sorted(by: { $0.key < $1.key }) { v.field(vertical, model.name) } }
            o.key("models")
            o.array { a in
                for model in catalog.models.values.sorted(by: { $0.name < $1.name }) {
                    a.object { m in
                        m.field("name", model.name)
                        m.field("version", model.versionLabel)
                        m.field("kind", model.manifest.modelKind)
                        m.field("createdAt", model.manifest.createdAt)
                        m.field("trainingRows", model.manifest.trainingRows)
                        m.field("calibrated", model.manifest.calibration != nil)
                        m.field("leadModel", model.leadMapping != nil)
                        m.key("qualityCutoffs")
                        m.array { c in for cut in model.qualityLevels.cutoffs { c.number(cut) } }
                        m.key("metrics")
                        m.object { x in for (key, value) in model.manifest.metrics.sorted(by: { $0.key < $1.key }) { x.field(key, value) } }
                        m.key("features")
                        m.array { f in for feature in model.encoder.features { f.string(feature.name) } }
                    }
                }
            }
        }
        return .json(200, writer.bytes)
    }

    func driftResponse(_ state: ServingState) -> HTTPResponse {
        var writer = JSONWriter(capacity: 8192)
        writer.object { o in
            o.field("warningPsi", DriftMonitor.warningPSI)
            o.field("alertPsi", DriftMonitor.alertPSI)
            o.key("models")
            o.array { a in
                for (name, version, monitor) in watchedModels(state) {
                    let report = monitor.report()
                    a.object { m in
                        m.field("model", name)
                        m.field("version", version)
                        m.field("observations", monitor.observations)
                        m.field("warnings", report.filter { $0.level == "warning" }.count)
                        m.field("alerts", report.filter { $0.level == "alert" }.count)
                        m.key("features")
                        m.array { f in
                            for feature in report {
                                f.object { x in
                                    x.field("feature", feature.feature)
                                    x.field("psi", feature.psi)
                                    x.field("level", feature.level)
                                }
                            }
                        }
                    }
                }
            }
        }
        return .json(200, writer.bytes)
    }

    func metricsResponse(_ state: ServingState) -> HTTPResponse {
        let models = state.catalog.models.values.map { (name: $0.name, version: $0.versionLabel, kind: $0.manifest.modelKind) }
        let drift = state.drift.map { (model: $0.key, features: $0.value.report(), observations: $0.value.observations) }.sorted { $0.model < $1.model }
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")],
                            body: Array(metrics.render(models: models, drift: drift).utf8))
    }

    func reloadResponse(_ request: HTTPRequest) throws -> HTTPResponse {
        try authorise(request)
        do {
            let catalog = try reload()
            log.event(.info, "reload", "reloaded models: \(catalog.description)",
                      [("version", .string(catalog.version)), ("models", .strings(catalog.models.keys.sorted()))])
            return jsonObject { o in
                o.field("status", "reloaded")
                o.field("version", catalog.version)
                o.key("models")
                o.array { a in for name in catalog.models.keys.sorted() { a.string(name) } }
            }
        } catch {
            log.event(.error, "reload_failed", "reload refused, the previous models stay in service: \(error)")
            throw ServiceError(409, "reload_failed", "the registry's current models could not be loaded; the previous models stay in service (details in the server log)")
        }
    }
}

extension ScoringService {
    /// The drift windows to report: the served models', then those of the versions a running
    /// A/B test's arms name (``ArmModels``), each with its `version/bundle` label; an arm that
    /// names the served version is the served models' window.
    func watchedModels(_ state: ServingState) -> [(name: String, version: String, monitor: DriftMonitor)] {
        let served = state.drift.sorted { $0.key < $1.key }.map { (name: $0.key, version: "\(state.catalog.version)/\($0.key)", monitor: $0.value) }
        let servedLabels = Set(served.map(\.version))
        return served + armModels.driftMonitors().filter { !servedLabels.contains($0.label) }.map { (name: $0.name, version: $0.label, monitor: $0.monitor) }
    }

    /// `GET /api/v1/lead-scoring-ml/monitoring?days=N` (default 30, at most 3660): the live
    /// quality of the stored scores per model version and vertical (``PredictionMonitoring``,
    /// computed in SQL off the event loop: ``LeadDatabase/report(_:then:)``), each version held
    /// to its bundle's test AUC and test-row scores, and the input drift of the served models;
    /// `level` is the worst of both.
    func monitoringResponse(_ request: HTTPRequest, state: ServingState) throws -> HTTPResponse {
        let days: Int
        if let text = request.queryValue("days") {
            guard let value = Int(text), (1...3660).contains(value) else { throw ServiceError(400, "invalid_days", "days must be a whole number from 1 to 3660") }
            days = value
        } else {
            days = 30
        }
        guard let database else { throw ServiceError(503, "database_not_configured", "the scores live in PostgreSQL: start the service with --database-url") }
        let thresholds = PredictionMonitoring.Thresholds()
        let registry = configuration.modelsDirectory
        return .eventually { [self] reply in
            database.report({ db in
                try PredictionMonitoring.read(from: db, days: days, thresholds: thresholds, expected: VersionExpectation.lookup(registry: registry))
            }) { [self] result in
                do {
                    reply(monitoringJSON(try result.get(), thresholds: thresholds, state: state))
                } catch {
                    reply(errorResponse(error, route: .monitoring))
                }
            }
        }
    }

    /// The monitoring route's document: `monitoring`'s figures, then the drift of every
    /// watched model (``watchedModels(_:)``).
    private func monitoringJSON(_ monitoring: PredictionMonitoring, thresholds: PredictionMonitoring.Thresholds, state: ServingState) -> HTTPResponse {
        let drift = watchedModels(state).map { (name: $0.name, version: $0.version, report: $0.monitor.report()) }
        let driftLevel: PredictionMonitoring.Level = drift.contains { $0.report.contains { $0.level == "alert" } } ? .alert
            : drift.contains { $0.report.contains { $0.level == "warning" } } ? .warning : .ok
        return jsonObject { o in
            PredictionMonitoringReport.writeMembers(monitoring, thresholds: thresholds, to: &o)
            o.field("overallLevel", max(monitoring.level, driftLevel).rawValue)
            o.key("drift")
            o.array { a in
                for (name, version, report) in drift {
                    let worst = report.max { $0.psi < $1.psi }
                    a.object { m in
                        m.field("model", name)
                        m.field("version", version)
                        m.field("alerts", report.filter { $0.level == "alert" }.count)
                        m.field("warnings", report.filter { $0.level == "warning" }.count)
                        m.field("worstFeature", worst?.feature)
                        m.field("worstPsi", worst?.psi)
                    }
                }
            }
        }
    }
}
