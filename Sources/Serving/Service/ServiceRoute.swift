import Foundation

/// The service's routes: a path (with its `:parameter`) and method each, and the matching of a
/// request's path to one. ``ScoringService`` dispatches on the result.
enum ServiceRoute: String, CaseIterable {
    case health = "/health"
    case ready = "/ready"
    case metrics = "/metrics"
    case scoreByID = "/api/v1/lead-scoring-ml/score/:leadId"
    case scoreBody = "/api/v1/lead-scoring-ml/score"
    case scoreBatch = "/api/v1/lead-scoring-ml/score-batch"
    case models = "/api/v1/lead-scoring-ml/models"
    case reload = "/api/v1/lead-scoring-ml/models/reload"
    case drift = "/api/v1/lead-scoring-ml/drift"
    case monitoring = "/api/v1/lead-scoring-ml/monitoring"
    case predict = "/api/v1/models/:name/predict"
    case abList = "GET /api/v1/ab-testing/tests"
    case abCreate = "POST /api/v1/ab-testing/tests"
    case abResults = "/api/v1/ab-testing/tests/:testName/results"
    case abStop = "/api/v1/ab-testing/tests/:testName/stop"
    case abAssign = "/api/v1/ab-testing/assign/:leadId"
    case openAPI = "/openapi.json"

    var method: String {
        switch self {
        case .health, .ready, .metrics, .models, .drift, .monitoring, .abList, .abResults, .openAPI: "GET"
        case .scoreByID, .scoreBody, .scoreBatch, .reload, .predict, .abCreate, .abStop, .abAssign: "POST"
        }
    }

    /// The methods the route's path accepts (the `Allow` header of a 405).
    var allowed: String {
        switch self {
        case .abList, .abCreate: "GET, HEAD, POST"
        default: method == "GET" ? "GET, HEAD" : method
        }
    }

    /// The path with its `:parameter`, without a method prefix: the access log's route.
    var template: String {
        switch self {
        case .abList, .abCreate: "/api/v1/ab-testing/tests"
        default: rawValue
        }
    }

    /// The path as OpenAPI writes it (`/score/{leadId}`), without a method prefix.
    var openAPIPath: String {
        let path = rawValue.split(separator: " ").last.map(String.init) ?? rawValue
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    /// Routes that need the admin token, and do not exist without one.
    var isAdmin: Bool { self == .reload || self == .abCreate || self == .abStop }

    /// The route of `path` (and `method`, where one path has two routes) and its parameter
    /// (`:leadId`, `:name`, `:testName`).
    static func match(_ path: String, method: String) -> (ServiceRoute, String?)? {
        let prefix = "/api/v1/lead-scoring-ml/"
        if path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            switch rest {
            case "score": return (.scoreBody, nil)
            case "score-batch": return (.scoreBatch, nil)
            case "models": return (.models, nil)
            case "models/reload": return (.reload, nil)
            case "drift": return (.drift, nil)
            case "monitoring": return (.monitoring, nil)
            default:
                if rest.hasPrefix("score/"), !rest.dropFirst(6).isEmpty, !rest.dropFirst(6).contains("/") { return (.scoreByID, String(rest.dropFirst(6))) }
                return nil
            }
        }
        let abPrefix = "/api/v1/ab-testing/"
        if path.hasPrefix(abPrefix) {
            let parts = path.dropFirst(abPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
            switch parts.count {
            case 1 where parts[0] == "tests": return (method == "POST" ? .abCreate : .abList, nil)
            case 2 where parts[0] == "assign" && !parts[1].isEmpty: return (.abAssign, String(parts[1]))
            case 3 where parts[0] == "tests" && !parts[1].isEmpty && parts[2] == "results":
                return (.abResults, String(parts[1]).removingPercentEncodingOrSelf)
            case 3 where parts[0] == "tests" && !parts[1].isEmpty && parts[2] == "stop":
                return (.abStop, String(parts[1]).removingPercentEncodingOrSelf)
            default: return nil
            }
        }
        if path.hasPrefix("/api/v1/models/"), path.hasSuffix("/predict") {
            let name = path.dropFirst("/api/v1/models/".count).dropLast("/predict".count)
            return name.isEmpty || name.contains("/") ? nil : (.predict, String(name).removingPercentEncodingOrSelf)
        }
        return ServiceRoute(rawValue: path).map { ($0, nil) }
    }

    /// Whether a request's work is unbounded enough to run off the event loop: every batch
    /// of leads (up to `maxBatch`, each perhaps explained), and `predict` with more than a
    /// few instances (a body over 4 KiB). Single leads stay on the loop: handing them to
    /// another thread would cost more than scoring them.
    func runsOffTheLoop(_ request: HTTPRequest) -> Bool {
        switch self {
        case .scoreBatch: true
        case .predict: request.body.count > 4096
        default: false
        }
    }
}
