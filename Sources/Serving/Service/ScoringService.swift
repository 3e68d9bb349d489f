import Evaluation
import Foundation
import Training

/// Settings of a ``ScoringService``.
public struct ScoringServiceConfiguration: Sendable {
    /// A model bundle or a registry written by `train-all` (its current version is served).
    public var modelsDirectory: URL
    /// PostgreSQL for `POST /api/v1/lead-scoring-ml/score/:leadId`; `nil`: that route answers 503.
    public var databaseURL: String?
    /// The bearer token of the admin routes; `nil` disables them (404).
    public var adminToken: String?
    /// Event loops (one database connection each).
    public var workers = 2
    /// Most leads in one `score-batch` request, most instances in one `predict` request.
    public var maxBatch = 1000
    /// Top factors returned when the request does not say (`?factors=N`).
    public var defaultFactors = 5
    /// Rows in each model's drift window.
    public var driftWindow = 10_000

    public init(modelsDirectory: URL) { self.modelsDirectory = modelsDirectory }
}

/// The loaded models with their drift monitors, swapped as one on reload.
final class ServingState: Sendable {
    let catalog: ModelCatalog
    let drift: [String: DriftMonitor]

    init(catalog: ModelCatalog, window: Int) {
        self.catalog = catalog
        var drift: [String: DriftMonitor] = [:]
        for (name, model) in catalog.models {
            if let profile = model.manifest.inputProfile {
                drift[name] = DriftMonitor(profile: profile, features: model.encoder.features, window: window)
            }
        }
        self.drift = drift
    }
}

/// The lead-scoring HTTP API over a ``ModelCatalog``: routes, request validation, scoring,
/// database reads and write-backs, model listing and hot reload, health, Prometheus metrics
/// and drift. ``handle(_:context:)`` is the ``HTTPServer``'s handler.
public final class ScoringService: @unchecked Sendable {
    public let configuration: ScoringServiceConfiguration
    public let metrics = ServiceMetrics()
    let database: LeadDatabase?
    private let stateLock = NSLock()
    private var state: ServingState
    private let reloadLock = NSLock()
    private let log: @Sendable (String) -> Void

    /// Loads the models; throws (naming the path) when they are missing or corrupt.
    public init(configuration: ScoringServiceConfiguration, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.configuration = configuration
        self.log = log
        state = ServingState(catalog: try ModelCatalog.load(from: configuration.modelsDirectory), window: configuration.driftWindow)
        database = configuration.databaseURL.map { LeadDatabase(url: $0, workers: configuration.workers) }
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
    public func reload() throws -> ModelCatalog {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        let fresh = ServingState(catalog: try ModelCatalog.load(from: configuration.modelsDirectory), window: configuration.driftWindow)
        stateLock.lock()
        state = fresh
        stateLock.unlock()
        return fresh.catalog
    }

    // MARK: Routing

    private enum Route: String {
        case health = "/health"
        case ready = "/ready"
        case metrics = "/metrics"
        case scoreByID = "/api/v1/lead-scoring-ml/score/:leadId"
        case scoreBody = "/api/v1/lead-scoring-ml/score"
        case scoreBatch = "/api/v1/lead-scoring-ml/score-batch"
        case models = "/api/v1/lead-scoring-ml/models"
        case reload = "/api/v1/lead-scoring-ml/models/reload"
        case drift = "/api/v1/lead-scoring-ml/drift"
        case predict = "/api/v1/models/:name/predict"
        case abList = "GET /api/v1/ab-testing/tests"
        case abCreate = "POST /api/v1/ab-testing/tests"
        case abResults = "/api/v1/ab-testing/tests/:testName/results"
        case abStop = "/api/v1/ab-testing/tests/:testName/stop"
        case abAssign = "/api/v1/ab-testing/assign/:leadId"

        var method: String {
            switch self {
            case .health, .ready, .metrics, .models, .drift, .abList, .abResults: "GET"
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

        /// Routes that need the admin token, and do not exist without one.
        var isAdmin: Bool { self == .reload || self == .abCreate || self == .abStop }
    }

    /// The route of `path` (and `method`, where one path has two routes) and its parameter
    /// (`:leadId`, `:name`, `:testName`).
    private func route(_ path: String, method: String) -> (Route, String?)? {
        let prefix = "/api/v1/lead-scoring-ml/"
        if path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            switch rest {
            case "score": return (.scoreBody, nil)
            case "score-batch": return (.scoreBatch, nil)
            case "models": return (.models, nil)
            case "models/reload": return (.reload, nil)
            case "drift": return (.drift, nil)
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
        return Route(rawValue: path).map { ($0, nil) }
    }

    /// Answers one request (the ``HTTPServer`` handler), recording its metrics.
    public func handle(_ request: HTTPRequest, context: RequestContext) -> HTTPResponse {
        let started = monotonicSeconds()
        let (routeName, response) = respond(request, context: context, started: started)
        metrics.recordRequest(route: routeName, status: response.status, seconds: monotonicSeconds() - started)
        return response
    }

    private func respond(_ request: HTTPRequest, context: RequestContext, started: Double) -> (String, HTTPResponse) {
        guard let (route, parameter) = route(request.path, method: request.method), !route.isAdmin || configuration.adminToken != nil else {
            return ("unmatched", ServiceError(404, "not_found", "no route \(request.path.prefix(200))").response)
        }
        guard request.method == route.method || (route.method == "GET" && request.method == "HEAD") else {
            return (route.rawValue, ServiceError(405, "method_not_allowed", "\(route.rawValue) accepts \(route.allowed) only",
                                                 headers: [("Allow", route.allowed)]).response)
        }
        do {
            let state = currentState
            switch route {
            case .health: return (route.rawValue, jsonObject { $0.field("status", "alive") })
            case .ready: return (route.rawValue, ready(state, worker: context.worker))
            case .metrics: return (route.rawValue, metricsResponse(state))
            case .models: return (route.rawValue, modelsResponse(state.catalog))
            case .drift: return (route.rawValue, driftResponse(state))
            case .reload: return (route.rawValue, try reloadResponse(request))
            case .scoreBody: return (route.rawValue, try scoreBody(request, state: state, started: started))
            case .scoreBatch: return (route.rawValue, try scoreBatch(request, state: state, started: started))
            case .scoreByID: return (route.rawValue, try scoreByID(parameter!, request, state: state, worker: context.worker, started: started))
            case .predict: return (route.rawValue, try predict(parameter!, request, state: state))
            case .abList: return (route.rawValue, try abTestList(worker: context.worker))
            case .abCreate: return (route.rawValue, try abTestCreate(request, worker: context.worker))
            case .abResults: return (route.rawValue, try abTestResults(parameter!, worker: context.worker))
            case .abStop: return (route.rawValue, try abTestStop(parameter!, request, worker: context.worker))
            case .abAssign: return (route.rawValue, try abTestAssign(parameter!, request, worker: context.worker))
            }
        } catch let error as ServiceError {
            return (route.rawValue, error.response)
        } catch let error as FieldError {
            return (route.rawValue, ServiceError.invalidField(error).response)
        } catch let error as ABTestError {
            return (route.rawValue, ServiceError(error).response)
        } catch let error as LeadDatabase.Unavailable {
            metrics.recordDatabaseError()
            return (route.rawValue, ServiceError(503, "database_unavailable", error.message).response)
        } catch let error as LeadScorer.Unavailable {
            return (route.rawValue, ServiceError(503, "model_unavailable", error.message).response)
        } catch let error as PostgresError {
            metrics.recordDatabaseError()
            log("database error on \(route.rawValue): \(error)")
            return (route.rawValue, ServiceError(503, "database_error", "the database could not complete the request").response)
        } catch {
            log("internal error on \(route.rawValue): \(error)")
            return (route.rawValue, ServiceError(500, "internal_error", "the request could not be completed").response)
        }
    }

    // MARK: Request bodies

    /// The JSON body (`nil` when empty). 415 for a non-JSON content type, 400 for bad JSON.
    func jsonBody(_ request: HTTPRequest) throws -> JSONValue? {
        guard try hasJSONBody(request) else { return nil }
        do {
            return try JSONParser.parse(request.body)
        } catch {
            throw ServiceError(400, "invalid_json", error.description)
        }
    }

    /// Whether the request has a body to read as JSON: `false` when it is empty, 415 when its
    /// content type is another than JSON.
    func hasJSONBody(_ request: HTTPRequest) throws -> Bool {
        guard !request.body.isEmpty else { return false }
        if let type = request.header("content-type"), !Self.isJSON(mediaType: type) {
            throw ServiceError(415, "unsupported_media_type", "send the body as application/json")
        }
        return true
    }

    /// Whether a Content-Type value names `application/json` (any case, parameters such as
    /// `charset` ignored). On the bytes, without allocating: it runs on every request.
    static func isJSON(mediaType value: String) -> Bool {
        var media = value.utf8[...]
        if let semicolon = media.firstIndex(of: UInt8(ascii: ";")) { media = media[..<semicolon] }
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        while let first = media.first, blank(first) { media = media.dropFirst() }
        while let last = media.last, blank(last) { media = media.dropLast() }
        return asciiLowercased(media).elementsEqual("application/json".utf8)
    }

    func requireObject(_ body: JSONValue?) throws -> JSONValue {
        guard let body else { throw ServiceError(400, "missing_body", "this route needs a JSON object body") }
        guard case .object = body else { throw FieldError(field: "body", message: "must be a JSON object") }
        return body
    }

    private func bool(_ value: JSONValue?, field: String, default fallback: Bool) throws -> Bool {
        switch value {
        case nil, .null?: return fallback
        case .bool(let b)?: return b
        default: throw FieldError(field: field, message: "must be a boolean")
        }
    }

    /// `?factors=N` (0…100), else the default.
    private func factorCount(_ request: HTTPRequest) throws -> Int {
        guard let text = request.queryValue("factors") else { return configuration.defaultFactors }
        guard let n = Int(text), (0...100).contains(n) else { throw FieldError(field: "factors", message: "must be an integer from 0 to 100") }
        return n
    }

    // MARK: Lead scoring

    private func scoreBody(_ request: HTTPRequest, state: ServingState, started: Double) throws -> HTTPResponse {
        let record: LeadRecord, agent: AgentRecord?, useVertical: Bool, leadIDKnown: Bool
        if try hasJSONBody(request), var scanned = LeadJSON.scanScoreBody(request.body) {
            // The usual body, read without the JSON tree; anything else goes the general way.
            (record, agent) = try LeadJSON.records(from: &scanned.values)
            (useVertical, leadIDKnown) = (scanned.useVerticalModel, scanned.leadIDKnown)
        } else {
            let body = try requireObject(try jsonBody(request))
            guard let lead = body["lead"] else { throw FieldError(field: "lead", message: "is required") }
            useVertical = try bool(body["useVerticalModel"], field: "useVerticalModel", default: true)
            (record, agent) = try LeadJSON.decode(lead: lead, agent: body["agent"])
            leadIDKnown = lead["id"] != nil && lead["id"] != .null
        }
        let score = try scoreLead(record, agent: agent, state: state, useVertical: useVertical, factors: try factorCount(request))
        var writer = JSONWriter(capacity: 512)
        write(ScoreResponse(score, leadIDKnown: leadIDKnown), started: started, to: &writer)
        return .json(200, writer.bytes)
    }

    private func scoreBatch(_ request: HTTPRequest, state: ServingState, started: Double) throws -> HTTPResponse {
        let body = try requireObject(try jsonBody(request))
        guard case .array(let leads)? = body["leads"] else { throw FieldError(field: "leads", message: "must be an array of lead objects") }
        guard leads.count <= configuration.maxBatch else {
            throw FieldError(field: "leads", message: "at most \(configuration.maxBatch) leads per request (got \(leads.count))")
        }
        let useVertical = try bool(body["useVerticalModel"], field: "useVerticalModel", default: true)
        let factors = try factorCount(request)
        var decoded: [(lead: LeadRecord, agent: AgentRecord?)] = [], known: [Bool] = []
        for (index, entry) in leads.enumerated() {
            // Each entry is a lead object, or {"lead": {...}, "agent": {...}}.
            let lead = entry["lead"] ?? entry
            do {
                let (record, agent) = try LeadJSON.decode(lead: lead, agent: entry["agent"])
                decoded.append((record, agent))
                known.append(lead["id"] != nil && lead["id"] != .null)
            } catch {  // a FieldError (typed throws), renamed to its place in the batch
                throw FieldError(field: "leads[\(index)]." + error.field.replacingOccurrences(of: "lead.", with: ""), message: error.message)
            }
        }
        // Without explanations, each model's leads are scored together (same scores, bit for
        // bit); on this event loop's thread only, so other requests keep the other loops.
        let scored: [LeadScore]
        if factors == 0 {
            scored = try LeadScorer.scoreMany(decoded, catalog: state.catalog, useVerticalModel: useVertical, threads: 1)
            for score in scored { recordScored(score, state: state) }
        } else {
            var one: [LeadScore] = []
            for entry in decoded { one.append(try scoreLead(entry.lead, agent: entry.agent, state: state, useVertical: useVertical, factors: factors)) }
            scored = one
        }
        let scores = Array(zip(scored, known))
        var writer = JSONWriter(capacity: 256 * max(1, scores.count))
        writer.object { o in
            o.key("results")
            o.array { a in for (score, known) in scores { write(ScoreResponse(score, leadIDKnown: known), started: nil, to: &a) } }
            o.field("latencyMs", (monotonicSeconds() - started) * 1000)
        }
        return .json(200, writer.bytes)
    }

    private func scoreByID(_ idText: String, _ request: HTTPRequest, state: ServingState, worker: Int, started: Double) throws -> HTTPResponse {
        guard !idText.isEmpty, idText.count <= 18, idText.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(idText), id > 0 else {
            throw ServiceError(400, "invalid_lead_id", "the lead id must be a positive integer")
        }
        let body = try jsonBody(request)
        if let body, case .object = body {} else if body != nil { throw FieldError(field: "body", message: "must be a JSON object") }
        let useVertical = try bool(body?["useVerticalModel"], field: "useVerticalModel", default: true)
        let factors = try factorCount(request)
        guard let database else { throw ServiceError(503, "database_not_configured", "the service runs without a database (--database-url)") }
        guard let (lead, agent) = try database.lead(id: id, worker: worker) else {
            throw ServiceError(404, "lead_not_found", "no lead with id \(id)")
        }
        // While an A/B test runs, the lead's variant decides who scores it. For a running test
        // the stored assignment always equals the hash's, so the variant comes from the hash
        // and the assignment is stored with the score, in the write-back's one commit.
        var abTest: (name: String, variant: ABVariant)?
        if let test = try database.abTests(worker: worker, { try $0.runningTest() }) {
            let variant = ABAssignment.variant(testName: test.name, leadID: id, controlPercent: test.controlPercent)
            abTest = (test.name, variant)
            metrics.recordABScore(test: test.name, variant: variant.rawValue)
        }
        let response: ScoreResponse
        if abTest?.variant == .control {
            let rules = RuleBasedLeadScorer.score(lead, agent: agent, factors: factors)
            metrics.recordQualityLevel(rules.qualityLevel)
            response = ScoreResponse(leadID: id, score: rules.score, qualityLevel: rules.qualityLevel,
                                     confidence: LeadScorer.confidence(probability: rules.score, levels: RuleBasedLeadScorer.qualityLevels, memberSpread: 0),
                                     vertical: lead.vertical, modelVersion: RuleBasedLeadScorer.versionLabel, factors: rules.factors, abTest: abTest)
        } else {
            var scored = ScoreResponse(try scoreLead(lead, agent: agent, state: state, useVertical: useVertical, factors: factors), leadIDKnown: true)
            scored.abTest = abTest
            response = scored
        }
        try database.writeScore(id: id, score: response.score, quality: response.qualityLevel, modelVersion: response.modelVersion,
                                abTest: abTest, worker: worker)
        var writer = JSONWriter(capacity: 512)
        write(response, started: started, to: &writer)
        return .json(200, writer.bytes)
    }

    private func scoreLead(_ lead: LeadRecord, agent: AgentRecord?, state: ServingState, useVertical: Bool, factors: Int) throws -> LeadScore {
        let score = try LeadScorer.score(lead: lead, agent: agent, catalog: state.catalog, useVerticalModel: useVertical, factors: factors)
        recordScored(score, state: state)
        return score
    }

    /// A scored lead in the metrics (quality level) and its model's drift window.
    private func recordScored(_ score: LeadScore, state: ServingState) {
        metrics.recordQualityLevel(score.qualityLevel)
        state.drift[score.model.name]?.record(encoded: score.row, rows: 1)
    }

    /// What a scoring route answers for one lead, from the model or from the rules.
    struct ScoreResponse {
        var leadID: Int64?
        var score: Double
        var qualityLevel: String
        var confidence: Double
        var vertical: String
        var modelVersion: String
        var factors: [ScoreFactor]
        var abTest: (name: String, variant: ABVariant)?

        init(leadID: Int64?, score: Double, qualityLevel: String, confidence: Double, vertical: String, modelVersion: String,
             factors: [ScoreFactor], abTest: (name: String, variant: ABVariant)? = nil) {
            self.leadID = leadID
            self.score = score
            self.qualityLevel = qualityLevel
            self.confidence = confidence
            self.vertical = vertical
            self.modelVersion = modelVersion
            self.factors = factors
            self.abTest = abTest
        }

        init(_ score: LeadScore, leadIDKnown: Bool) {
            self.init(leadID: leadIDKnown ? score.leadID : nil, score: score.score, qualityLevel: score.qualityLevel,
                      confidence: score.confidence, vertical: score.vertical, modelVersion: score.model.versionLabel, factors: score.factors)
        }
    }

    private func write(_ response: ScoreResponse, started: Double?, to writer: inout JSONWriter) {
        writer.object { o in
            o.key("leadId")
            if let id = response.leadID { o.integer(Int(id)) } else { o.null() }
            o.field("score", response.score)
            o.field("qualityLevel", response.qualityLevel)
            o.field("confidence", response.confidence)
            o.field("vertical", response.vertical)
            o.field("modelVersion", response.modelVersion)
            o.key("topFactors")
            o.array { a in
                for factor in response.factors {
                    a.object { f in
                        f.field("feature", factor.feature)
                        f.field("label", factor.label)
                        f.key("value")
                        Self.writeValue(factor.value, to: &f)
                        f.field("contribution", factor.contribution)
                        f.field("direction", factor.contribution > 0 ? "increases" : "decreases")
                    }
                }
            }
            if let abTest = response.abTest {
                o.key("abTest")
                o.object { t in
                    t.field("testName", abTest.name)
                    t.field("variant", abTest.variant.rawValue)
                }
            }
            if let started { o.field("latencyMs", (monotonicSeconds() - started) * 1000) }
        }
    }

    private static func writeValue(_ value: InputValue, to writer: inout JSONWriter) {
        switch value {
        case .missing: writer.null()
        case .number(let n): writer.number(n)
        case .text(let t): writer.string(t)
        }
    }

    // MARK: Any model

    private func predict(_ name: String, _ request: HTTPRequest, state: ServingState) throws -> HTTPResponse {
        guard let model = state.catalog.models[name] else {
            throw ServiceError(404, "model_not_found", "no model '\(name.prefix(100))' (loaded: \(state.catalog.models.keys.sorted().joined(separator: ", ")))")
        }
        let body = try requireObject(try jsonBody(request))
        guard case .array(let instances)? = body["instances"] else { throw FieldError(field: "instances", message: "must be an array of objects") }
        guard instances.count <= configuration.maxBatch else {
            throw FieldError(field: "instances", message: "at most \(configuration.maxBatch) instances per request (got \(instances.count))")
        }
        let wantContributions = try bool(body["contributions"], field: "contributions", default: false)
        let features = model.encoder.features
        var values = [InputValue](repeating: .missing, count: instances.count * features.count)
        for (row, instance) in instances.enumerated() {
            guard case .object = instance else { throw FieldError(field: "instances[\(row)]", message: "must be an object") }
            for (k, feature) in features.enumerated() {
                let field = "instances[\(row)].\(feature.name)"
                switch instance[feature.name] {
                case nil, .null?: break
                case .number(let n)?:
                    guard n.isFinite, abs(n) <= Double(Float.greatestFiniteMagnitude) else { throw FieldError(field: field, message: "must be a finite number") }
                    values[row * features.count + k] = .number(Float(n))
                case .string(let s)?:
                    if feature.kind == .numeric, Float(s) == nil { throw FieldError(field: field, message: "must be a number") }
                    values[row * features.count + k] = .text(s)
                case .bool(let b)?:
                    values[row * features.count + k] = feature.kind == .numeric ? .number(b ? 1 : 0) : .text(b ? "true" : "false")
                case .array?, .object?:
                    throw FieldError(field: field, message: "must be a number, string, boolean or null")
                }
            }
        }
        let encoded = model.encoder.encode(rows: instances.count) { row, k in values[row * features.count + k] }
        let data = model.encoder.dataset(encoded: encoded, rows: instances.count)
        let probabilities = model.manifest.probabilities(rawScores: try model.prepared.rawScores(data))
        var contributions: [[Double]] = []
        var bias = 0.0
        if wantContributions {
            (contributions, bias) = model.manifest.calibratedContributions(try model.prepared.contributions(data),
                                                                           bias: model.prepared.expectedRawScore)
        }
        state.drift[model.name]?.record(encoded: encoded, rows: instances.count)
        var writer = JSONWriter(capacity: 64 * max(1, instances.count) * (wantContributions ? features.count : 1))
        writer.object { o in
            o.field("model", model.versionLabel)
            o.key("predictions")
            o.array { a in
                for (row, p) in probabilities.enumerated() {
                    a.object { item in
                        item.field("score", p)
                        if wantContributions {
                            item.key("contributions")
                            item.object { c in for (k, feature) in features.enumerated() { c.field(feature.name, contributions[row][k]) } }
                            item.field("bias", bias)
                        }
                    }
                }
            }
        }
        return .json(200, writer.bytes)
    }

    // MARK: Operations

    private func ready(_ state: ServingState, worker: Int) -> HTTPResponse {
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

    private func modelsResponse(_ catalog: ModelCatalog) -> HTTPResponse {
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

    private func driftResponse(_ state: ServingState) -> HTTPResponse {
        var writer = JSONWriter(capacity: 8192)
        writer.object { o in
            o.field("warningPsi", DriftMonitor.warningPSI)
            o.field("alertPsi", DriftMonitor.alertPSI)
            o.key("models")
            o.array { a in
                for (name, monitor) in state.drift.sorted(by: { $0.key < $1.key }) {
                    let report = monitor.report()
                    a.object { m in
                        m.field("model", name)
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

    private func metricsResponse(_ state: ServingState) -> HTTPResponse {
        let models = state.catalog.models.values.map { (name: $0.name, version: $0.versionLabel, kind: $0.manifest.modelKind) }
        let drift = state.drift.map { (model: $0.key, features: $0.value.report(), observations: $0.value.observations) }.sorted { $0.model < $1.model }
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")],
                            body: Array(metrics.render(models: models, drift: drift).utf8))
    }

    private func reloadResponse(_ request: HTTPRequest) throws -> HTTPResponse {
        try authorise(request)
        do {
            let catalog = try reload()
            log("reloaded models: \(catalog.description)")
            return jsonObject { o in
                o.field("status", "reloaded")
                o.field("version", catalog.version)
                o.key("models")
                o.array { a in for name in catalog.models.keys.sorted() { a.string(name) } }
            }
        } catch {
            log("reload refused: \(error)")
            throw ServiceError(409, "reload_failed", "the registry's current models could not be loaded; the previous models stay in service (details in the server log)")
        }
    }

    /// Checks `Authorization: Bearer TOKEN` against the admin token in constant time.
    func authorise(_ request: HTTPRequest) throws {
        guard let expected = configuration.adminToken else { throw ServiceError(404, "not_found", "no route \(request.path)") }
        let header = request.header("authorization") ?? ""
        let given = header.hasPrefix("Bearer ") ? Array(header.utf8.dropFirst(7)) : []
        guard Self.constantTimeEqual(given, Array(expected.utf8)) else {
            throw ServiceError(401, "unauthorized", "this route needs 'Authorization: Bearer <admin token>'", headers: [("WWW-Authenticate", "Bearer")])
        }
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }

    func jsonObject(_ body: (inout JSONWriter) -> Void) -> HTTPResponse {
        var writer = JSONWriter()
        writer.object(body)
        return .json(200, writer.bytes)
    }
}
