import Core
import Database
import Experiments
import Foundation
import Leads

/// The lead-scoring HTTP API over a ``ModelCatalog``: routes, request validation, scoring,
/// database reads and write-backs, model listing and hot reload, health, Prometheus metrics
/// and drift. ``handle(_:context:)`` is the ``HTTPServer``'s handler.
public final class ScoringService: @unchecked Sendable {
    public let configuration: ScoringServiceConfiguration
    public let metrics = ServiceMetrics()
    let database: LeadDatabase?
    /// The registry versions the running A/B test's arms name.
    let armModels: ArmModels
    private let stateLock = NSLock()
    private var state: ServingState
    private let reloadLock = NSLock()
    /// Where reloads, database loss and recovery, drift alerts and errors are logged.
    let log: ServiceLog
    /// Checks drift every ``ScoringServiceConfiguration/driftCheckInterval`` seconds.
    private var driftTimer: DispatchSourceTimer?
    /// The features each drift monitor had in alert at the last check (only the timer's
    /// handler, which never runs twice at once, touches it).
    private var alerting: [ObjectIdentifier: Set<String>] = [:]

    /// Loads the models; throws (naming the path) when they are missing or corrupt.
    public init(configuration: ScoringServiceConfiguration, log: ServiceLog = .discarding) throws {
        self.configuration = configuration
        self.log = log
        state = ServingState(catalog: try ModelCatalog.load(from: configuration.modelsDirectory), window: configuration.driftWindow)
        let armModels = ArmModels(registry: configuration.modelsDirectory, driftWindow: configuration.driftWindow)
        self.armModels = armModels
        database = configuration.databaseURL.map { url in
            LeadDatabase(url: url, callers: configuration.workers, readers: configuration.databaseThreads,
                         runningTestSeen: { armModels.prepare(for: $0) }) { available in
                if available {
                    log.event(.info, "database_recovered", "the database is reachable again")
                } else {
                    log.event(.error, "database_lost", "the database cannot be reached; requests that need it are answered 503")
                }
            }
        }
        if configuration.driftCheckInterval > 0 {
            let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
            timer.schedule(deadline: .now() + configuration.driftCheckInterval, repeating: configuration.driftCheckInterval)
            timer.setEventHandler { [weak self] in self?.checkDrift() }
            timer.resume()
            driftTimer = timer
        }
    }

    deinit { driftTimer?.cancel() }

    /// Logs a `drift_alert` for each feature whose drift reached the alert level since the
    /// last check (once, until it falls below and rises again; a reload starts afresh), in the
    /// served models and in the models of the versions a running A/B test's arms name.
    func checkDrift() {
        let state = currentState
        var next: [ObjectIdentifier: Set<String>] = [:]
        for (model, version, monitor) in watchedModels(state) {
            let before = alerting[ObjectIdentifier(monitor)] ?? []
            var now: Set<String> = []
            for feature in monitor.report() where feature.level == "alert" {
                now.insert(feature.feature)
                if !before.contains(feature.feature) {
                    log.event(.warning, "drift_alert", "input drift of \(feature.feature) in \(version) reached the alert level",
                              [("model", .string(model)), ("version", .string(version)), ("feature", .string(feature.feature)),
                               ("psi", .number(feature.psi)), ("observations", .integer(monitor.observations))])
                }
            }
            next[ObjectIdentifier(monitor)] = now
        }
        alerting = next
    }

    /// The models in service now.
    public var catalog: ModelCatalog { currentState.catalog }

    private var currentState: ServingState {
        stateLock.lock()
        defer { stateLock.unlock() }
        return state
    }

    /// Loads the registry's current models again and swaps them in; requests in flight finish
    /// on the models they started with. On failure the old models stay and the error is thrown.
    /// The running A/B test's arm models are loaded again too, on the next lead read.
    public func reload() throws -> ModelCatalog {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        let fresh = ServingState(catalog: try ModelCatalog.load(from: configuration.modelsDirectory), window: configuration.driftWindow)
        stateLock.lock()
        state = fresh
        stateLock.unlock()
        armModels.clear()
        return fresh.catalog
    }

    // MARK: Dispatch

    /// Answers one request (the ``HTTPServer`` handler), recording its metrics. Requests of
    /// unbounded work (``ServiceRoute/runsOffTheLoop(_:)``) are answered by a worker thread, and
    /// lead-by-id requests once their batched database work is done (``HTTPResponse/eventually(_:)``),
    /// so that the event loop's other connections (health checks among them) are held up
    /// neither by long work nor by a slow database.
    public func handle(_ request: HTTPRequest, context: RequestContext) -> HTTPResponse {
        let started = monotonicSeconds()
        let matched = ServiceRoute.match(request.path, method: request.method)
        if let route = matched?.0, route.runsOffTheLoop(request) {
            return .later { [self] in answer(request, matched, context, started) }
        }
        return answer(request, matched, context, started)
    }

    /// The response to `request`, recorded in the metrics.
    private func answer(_ request: HTTPRequest, _ matched: (ServiceRoute, String?)?, _ context: RequestContext, _ started: Double) -> HTTPResponse {
        let (route, response) = respond(request, matched, context: context, started: started)
        return recorded(response, route: route, started: started)
    }

    /// `response`, recorded in the metrics when it is made (and given its route template for
    /// the access log): at once, or for a response sent eventually, when its final reply
    /// (perhaps deferred more than once) is.
    private func recorded(_ response: HTTPResponse, route: ServiceRoute?, started: Double) -> HTTPResponse {
        guard case .eventually(let start)? = response.deferredWork else {
            metrics.recordRequest(route: route?.rawValue ?? "unmatched", status: response.status, seconds: monotonicSeconds() - started)
            var response = response
            response.route = route?.template ?? "unmatched"
            return response
        }
        return .eventually { [self] reply in
            start { [self] response in reply(recorded(response, route: route, started: started)) }
        }
    }

    /// The route that answers (nil: none) and its response.
    private func respond(_ request: HTTPRequest, _ matched: (ServiceRoute, String?)?, context: RequestContext,
                         started: Double) -> (ServiceRoute?, HTTPResponse) {
        guard let (route, parameter) = matched, !route.isAdmin || configuration.adminToken != nil else {
            return (nil, ServiceError(404, "not_found", "no route \(request.path.prefix(200))").response)
        }
        guard request.method == route.method || (route.method == "GET" && request.method == "HEAD") else {
            return (route, ServiceError(405, "method_not_allowed", "\(route.rawValue) accepts \(route.allowed) only",
                                                 headers: [("Allow", route.allowed)]).response)
        }
        do {
            let state = currentState
            switch route {
            case .health: return (route, jsonObject { $0.field("status", "alive") })
            case .ready: return (route, ready(state, worker: context.worker))
            case .metrics: return (route, metricsResponse(state))
            case .models: return (route, modelsResponse(state.catalog))
            case .drift: return (route, driftResponse(state))
            case .monitoring: return (route, try monitoringResponse(request, state: state))
            case .reload: return (route, try reloadResponse(request))
            case .scoreBody: return (route, try scoreBody(request, state: state, started: started))
            case .scoreBatch: return (route, try scoreBatch(request, state: state, started: started))
            case .scoreByID: return (route, try scoreByID(parameter!, request, state: state, started: started))
            case .predict: return (route, try predict(parameter!, request, state: state))
            case .abList: return (route, try abTestList(worker: context.worker))
            case .abCreate: return (route, try abTestCreate(request, worker: context.worker))
            case .abResults: return (route, try abTestResults(parameter!))
            case .abStop: return (route, try abTestStop(parameter!, request, worker: context.worker))
            case .abAssign: return (route, try abTestAssign(parameter!, request, worker: context.worker))
            case .openAPI: return (route, .json(200, OpenAPIDocument.bytes(adminRoutes: configuration.adminToken != nil)))
            }
        } catch {
            return (route, errorResponse(error, route: route))
        }
    }

    /// The answer to a request of `route` that failed with `error`: the error's own status for
    /// a refused request (4xx); 503 when the database or a model is unavailable, or the
    /// database holds what the service cannot read (counted in the metrics and logged); 500
    /// for anything else (logged).
    func errorResponse(_ error: any Error, route: ServiceRoute) -> HTTPResponse {
        switch error {
        case let error as ServiceError: return error.response
        case let error as FieldError: return ServiceError.invalidField(error).response
        case let error as ABTestError: return ServiceError(error).response
        case let error as LeadDatabase.Unavailable:
            metrics.recordDatabaseError()
            return ServiceError(503, "database_unavailable", error.message).response
        case let error as LeadScorer.Unavailable: return ServiceError(503, "model_unavailable", error.message).response
        case let error as PostgresError where error.isUnreadableResult: return unreadableData(error, route: route)
        case let error as LeadRow.DecodingError:
            // Only a stored lead (by id) gets here: the body routes answer a FieldError (422).
            return unreadableData(error, route: route)
        case let error as PostgresError:
            metrics.recordDatabaseError()
            log.event(.error, "database_error", "database error: \(error)", [("route", .string(route.template))])
            return ServiceError(503, "database_error", "the database could not complete the request").response
        default:
            log.event(.error, "internal_error", "internal error: \(error)", [("route", .string(route.template))])
            return ServiceError(500, "internal_error", "the request could not be completed").response
        }
    }

    /// The answer when the database holds data the service cannot read — a NULL where a value
    /// is required, a value outside its column's domain, a missing column: 503, since the
    /// request was fine and the data may be repaired. The log names the column and value; the
    /// reply names neither.
    private func unreadableData(_ error: any Error, route: ServiceRoute) -> HTTPResponse {
        metrics.recordDatabaseError()
        log.event(.error, "database_data_error", "unreadable database data: \(error)", [("route", .string(route.template))])
        return ServiceError(503, "database_data_error", "the database holds data the service cannot read (details in the server log)").response
    }
}
