import Core
import Experiments
import Foundation

extension ServiceError {
    /// The answer to a refused A/B test operation: 404 unknown test, 409 stopped already,
    /// 422 duplicate name or invalid field.
    init(_ error: ABTestError) {
        switch error {
        case .notFound: self.init(404, "test_not_found", error.description)
        case .duplicate: self.init(422, "duplicate_test", error.description)
        case .alreadyStopped: self.init(409, "test_stopped", error.description)
        case .invalid(let field): self = .invalidField(field)
        }
    }
}

/// The A/B testing routes (`/api/v1/ab-testing/...`), over ``ABTestStore``.
extension ScoringService {
    /// The database, where the tests live; 503 when the service runs without one.
    private func testDatabase() throws -> LeadDatabase {
        guard let database else { throw ServiceError(503, "database_not_configured", "A/B tests live in PostgreSQL: start the service with --database-url") }
        return database
    }

    /// `GET /api/v1/ab-testing/tests`: every test, newest first.
    func abTestList(worker: Int) throws -> HTTPResponse {
        let tests = try testDatabase().abTests(worker: worker) { try $0.list() }
        return jsonObject { o in
            o.key("tests")
            o.array { a in for test in tests { ABResultsReport.write(test, to: &a) } }
        }
    }

    /// `GET /api/v1/ab-testing/tests/:testName/results`: its statistics read every assignment,
    /// so they are computed off the event loop (``LeadDatabase/report(_:then:)``).
    func abTestResults(_ name: String) throws -> HTTPResponse {
        let database = try testDatabase()
        return .eventually { [self] reply in
            database.report({ db in try ABTestStore(db).results(of: name) }) { [self] result in
                do {
                    let (test, analysis) = try result.get()
                    reply(.json(200, ABResultsReport.json(test, analysis)))
                } catch {
                    reply(errorResponse(error, route: .abResults))
                }
            }
        }
    }

    /// `POST /api/v1/ab-testing/assign/:leadId` with `{"testName": "..."}`.
    func abTestAssign(_ idText: String, _ request: HTTPRequest, worker: Int) throws -> HTTPResponse {
        guard idText.count <= 18, idText.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(idText), id > 0 else {
            throw ServiceError(400, "invalid_lead_id", "the lead id must be a positive integer")
        }
        let body = try requireObject(try jsonBody(request), keys: ["testName"])
        guard case .string(let name)? = body["testName"] else { throw FieldError(field: "testName", message: "is required and must be a string") }
        let (arm, _) = try testDatabase().abTests(worker: worker) { try $0.assign(testName: name, leadID: id) }
        return jsonObject { o in
            o.field("testName", name)
            o.field("leadId", Int(id))
            o.field("variant", arm.name)
            o.field("model", arm.scorer.description)
        }
    }

    /// `POST /api/v1/ab-testing/tests` (admin): creates a running test; 201 with the test.
    func abTestCreate(_ request: HTTPRequest, worker: Int) throws -> HTTPResponse {
        try authorise(request)
        let definition = try Self.definition(from: try requireObject(try jsonBody(request), keys: Self.definitionKeys))
        let database = try testDatabase()
        try armModels.preload(definition.arms)  // a version that cannot serve refuses the test (422)
        defer { database.runningTestChanged() }  // the next by-id request sees the new test
        let test = try database.abTests(worker: worker) { try $0.create(definition) }
        var writer = JSONWriter()
        ABResultsReport.write(test, to: &writer)
        return .json(201, writer.bytes)
    }

    /// `POST /api/v1/ab-testing/tests/:testName/stop` (admin).
    func abTestStop(_ name: String, _ request: HTTPRequest, worker: Int) throws -> HTTPResponse {
        try authorise(request)
        let database = try testDatabase()
        defer { database.runningTestChanged() }  // the next by-id request sees the test stopped
        let test = try database.abTests(worker: worker) { try $0.stop(name) }
        var writer = JSONWriter()
        ABResultsReport.write(test, to: &writer)
        return .json(200, writer.bytes)
    }

    /// The keys of a test definition.
    static let definitionKeys: Set<String> = ["name", "description", "split", "arms", "primaryMetric", "alpha", "minimumDetectableEffect"]

    /// A test definition from a request body: `name`, and optionally `description`, `arms`
    /// (`[{"name": "control", "model": "rules", "percent": 50}, {"name": "v4", "model": "v4", "percent": 50}]`,
    /// control first; models `rules`, `current`, `vN`, `vN/bundle`) or, the older spelling,
    /// `split` (`{"control": 50, "treatment": 50}`: the rules against the served model),
    /// `primaryMetric`, `alpha`, `minimumDetectableEffect`.
    static func definition(from body: JSONValue) throws -> ABTestDefinition {
        guard case .string(let name)? = body["name"] else { throw FieldError(field: "name", message: "is required and must be a string") }
        var definition = ABTestDefinition(name: name)
        switch body["description"] {
        case nil, .null?: break
        case .string(let text)?: definition.description = text
        default: throw FieldError(field: "description", message: "must be a string")
        }
        switch body["split"] {
        case nil, .null?: break
        case .object(let members)?:
            var split: [String: Int] = [:]
            for (key, value) in members {
                guard case .number(let n) = value, n == n.rounded(), abs(n) <= 1000 else {
                    throw FieldError(field: "split.\(key)", message: "must be a whole percentage")
                }
                split[key] = Int(n)
            }
            definition.arms = try ABArm.fromSplit(split)
        default: throw FieldError(field: "split", message: "must be an object like {\"control\": 50, \"treatment\": 50}")
        }
        switch body["arms"] {
        case nil, .null?: break
        case .array(let items)? where body["split"] == nil || body["split"] == .null:
            guard items.count <= ABArm.maximumCount else {
                throw FieldError(field: "arms", message: "must have 2 to \(ABArm.maximumCount) arms, the first being the control (got \(items.count))")
            }
            definition.arms = try items.enumerated().map { index, item throws(FieldError) in try arm(item, field: "arms[\(index)]") }
        case .array?: throw FieldError(field: "arms", message: "give either arms or split, not both")
        default: throw FieldError(field: "arms", message: "must be an array like [{\"name\": \"control\", \"model\": \"rules\", \"percent\": 50}, ...]")
        }
        switch body["primaryMetric"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let metric = ExperimentMetric(rawValue: text) else {
                throw FieldError(field: "primaryMetric", message: "must be one of \(ExperimentMetric.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            definition.primaryMetric = metric
        default: throw FieldError(field: "primaryMetric", message: "must be a string")
        }
        for (field, keyPath) in [("alpha", \ABTestDefinition.alpha), ("minimumDetectableEffect", \ABTestDefinition.minimumDetectableEffect)] {
            switch body[field] {
            case nil, .null?: break
            case .number(let n)?: definition[keyPath: keyPath] = n
            default: throw FieldError(field: field, message: "must be a number")
            }
        }
        if let problem = definition.validate() { throw problem }
        return definition
    }

    /// One arm of a definition: `{"name": ..., "model": "rules" | "current" | "vN" | "vN/bundle", "percent": ...}`.
    private static func arm(_ item: JSONValue, field: String) throws(FieldError) -> ABArm {
        guard case .object = item else { throw FieldError(field: field, message: "must be an object with name, model and percent") }
        try item.refuseUnknownKeys(allowed: ["name", "model", "percent"], prefix: field + ".")
        guard case .string(let name)? = item["name"] else { throw FieldError(field: field + ".name", message: "is required and must be a string") }
        guard case .string(let model)? = item["model"], let scorer = ABScorer.parse(model) else {
            throw FieldError(field: field + ".model", message: "is required: rules, current, a registry version (v3) or one of its bundles (v3/pc)")
        }
        guard case .number(let percent)? = item["percent"], percent == percent.rounded(), abs(percent) <= 1000 else {
            throw FieldError(field: field + ".percent", message: "is required and must be a whole percentage")
        }
        return ABArm(name: name, scorer: scorer, percent: Int(percent))
    }
}
