import Core
import Experiments
import Leads
import Training

/// `GET /openapi.json`: an OpenAPI 3.1 description of every route the service answers, built
/// from the router's own table (``ServiceRoute/allCases``; ``ServiceRoute/documentation`` is an
/// exhaustive switch, so a new route cannot compile undocumented) and the lead fields from
/// ``LeadRow/columns``, the list the body parser accepts. Admin routes are listed only when the
/// service has an admin token, as they exist only then.
enum OpenAPIDocument {
    /// The document as JSON bytes.
    static func bytes(adminRoutes: Bool) -> [UInt8] {
        var writer = JSONWriter(capacity: 16 * 1024)
        writer.value(document(adminRoutes: adminRoutes))
        return writer.bytes
    }

    static func document(adminRoutes: Bool) -> JSONValue {
        var paths: [(key: String, value: JSONValue)] = []
        for route in ServiceRoute.allCases where adminRoutes || !route.isAdmin {
            let operation = route.operation
            if let index = paths.firstIndex(where: { $0.key == route.openAPIPath }), case .object(var methods) = paths[index].value {
                methods.append((key: route.method.lowercased(), value: operation))
                paths[index].value = .object(methods)
            } else {
                paths.append((key: route.openAPIPath, value: .object([(key: route.method.lowercased(), value: operation)])))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "mlctl lead scoring", "version": .string(MLCTLVersion.current),
                     "description": "Scores insurance leads with the models of an mlctl registry: from a JSON body or by id from PostgreSQL (with the score written back), with TreeSHAP top factors, quality levels, A/B tests, metrics and drift."],
            "paths": .object(paths),
            "components": ["schemas": schemas, "securitySchemes": ["admin": ["type": "http", "scheme": "bearer", "description": "the token of --admin-token-file"]]],
        ]
    }

    static let errorResponse: JSONValue = ["description": "error", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]

    static func json(_ description: String, schema: JSONValue) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    static func reference(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static let schemas: JSONValue = [
        "Lead": [
            "type": "object",
            "description": "A lead as the leads table's columns (what row_to_json gives); missing keys are missing values. The agent's columns may also come in an 'agent' object. Unknown keys are refused (422) unless ?extra_fields=ignore.",
            "required": ["vertical"],
            "properties": .object(LeadRow.columns.map { (key: $0, value: ["type": ["string", "number", "boolean", "null"]] as JSONValue) }
                                  + [(key: "agent", value: ["type": "object", "properties": ["id": ["type": ["string", "number"]], "avg_response_time_s": ["type": "number"],
                                                                                            "conversion_rate": ["type": "number"], "rating": ["type": "number"]]])]),
        ],
        "Score": [
            "type": "object",
            "properties": [
                "leadId": ["type": ["integer", "null"]],
                "score": ["type": "number", "description": "probability of conversion"],
                "qualityLevel": ["enum": ["High", "Medium", "Low", "Very Low"]],
                "confidence": ["type": "number"],
                "vertical": ["type": "string"],
                "modelVersion": ["type": "string", "description": "registry version/bundle, or the rules' label"],
                "topFactors": ["type": "array", "items": ["type": "object", "properties": [
                    "feature": ["type": "string"], "label": ["type": "string"], "value": [:],
                    "contribution": ["type": "number", "description": "log-odds"], "direction": ["enum": ["increases", "decreases"]]]]],
                "abTest": ["type": "object", "properties": ["testName": ["type": "string"], "variant": ["type": "string", "description": "the lead's arm"]]],
                "latencyMs": ["type": "number"],
            ],
        ],
        "Error": ["type": "object", "properties": ["error": ["type": "object", "required": ["code", "message"],
                                                            "properties": ["code": ["type": "string"], "message": ["type": "string"]]]]],
    ]
}

extension ServiceRoute {
    /// What the route does, its parameters, body and answers.
    struct Documentation {
        var summary: String
        var body: JSONValue? = nil
        var ok: JSONValue
        var errors: [Int] = []
        var okStatus = 200
    }

    var documentation: Documentation {
        let object: JSONValue = ["type": "object"]
        let score = OpenAPIDocument.json("the score", schema: OpenAPIDocument.reference("Score"))
        switch self {
        case .health: return Documentation(summary: "Liveness: the process answers", ok: OpenAPIDocument.json("alive", schema: object))
        case .ready: return Documentation(summary: "Readiness: models loaded (and the database reachable when configured)",
                                          ok: OpenAPIDocument.json("ready", schema: object), errors: [503])
        case .metrics: return Documentation(summary: "Prometheus metrics (text format 0.0.4)",
                                            ok: ["description": "metrics", "content": ["text/plain": ["schema": ["type": "string"]]]])
        case .scoreByID: return Documentation(summary: "Score a lead from PostgreSQL by id and write the score back (durably, before answering)",
                                              body: ["type": "object", "properties": ["useVerticalModel": ["type": "boolean"]]], ok: score,
                                              errors: [400, 404, 422, 503])
        case .scoreBody: return Documentation(summary: "Score a lead given in the body",
                                              body: ["type": "object", "required": ["lead"], "properties": ["lead": OpenAPIDocument.reference("Lead"),
                                                                                                             "useVerticalModel": ["type": "boolean"]]],
                                              ok: score, errors: [400, 413, 422])
        case .scoreBatch: return Documentation(summary: "Score many leads given in the body",
                                               body: ["type": "object", "required": ["leads"], "properties": ["leads": ["type": "array", "items": OpenAPIDocument.reference("Lead")]]],
                                               ok: OpenAPIDocument.json("one result per lead", schema: ["type": "object", "properties": ["results": ["type": "array", "items": OpenAPIDocument.reference("Score")]]]),
                                               errors: [400, 413, 422])
        case .models: return Documentation(summary: "The loaded models and which vertical each serves", ok: OpenAPIDocument.json("models", schema: object))
        case .reload: return Documentation(summary: "Reload the registry's current version (admin)", ok: OpenAPIDocument.json("reloaded", schema: object), errors: [401, 422])
        case .drift: return Documentation(summary: "Input drift: PSI per feature against the training rows", ok: OpenAPIDocument.json("drift", schema: object))
        case .monitoring: return Documentation(summary: "Live AUC, log loss and calibration per model version and vertical on leads whose outcome is known (?days=N, default 30), the stored scores' drift against the version's test rows, with levels, and input drift",
                                               ok: OpenAPIDocument.json("monitoring", schema: object), errors: [400, 503])
        case .predict: return Documentation(summary: "Predict with any loaded bundle on feature values",
                                            body: ["type": "object", "required": ["instances"], "properties": ["instances": ["type": "array", "items": object]]],
                                            ok: OpenAPIDocument.json("predictions", schema: object), errors: [400, 404, 413, 422])
        case .abList: return Documentation(summary: "List A/B tests", ok: OpenAPIDocument.json("tests", schema: object), errors: [503])
        case .abCreate: return Documentation(summary: "Create and start an A/B test (admin)", body: [
                                                "type": "object", "required": ["name"],
                                                "properties": [
                                                    "name": ["type": "string"], "description": ["type": "string"],
                                                    "arms": ["type": "array", "minItems": 2, "maxItems": .number(Double(ABArm.maximumCount)),
                                                             "description": "control first; or split, not both",
                                                             "items": ["type": "object", "required": ["name", "model", "percent"], "properties": [
                                                                 "name": ["type": "string"], "percent": ["type": "integer"],
                                                                 "model": ["type": "string", "description": "rules, current, vN or vN/bundle"]]]],
                                                    "split": ["type": "object", "description": "{control, treatment}: the rules against the served model"],
                                                    "primaryMetric": ["enum": .array(ExperimentMetric.allCases.map { .string($0.rawValue) })],
                                                    "alpha": ["type": "number"], "minimumDetectableEffect": ["type": "number"],
                                                ]],
                                             ok: OpenAPIDocument.json("the test", schema: object), errors: [401, 409, 422, 503], okStatus: 201)
        case .abResults: return Documentation(summary: "An A/B test's results and recommendation", ok: OpenAPIDocument.json("results", schema: object), errors: [404, 503])
        case .abStop: return Documentation(summary: "Stop an A/B test (admin)", ok: OpenAPIDocument.json("stopped", schema: object), errors: [401, 404, 503])
        case .abAssign: return Documentation(summary: "A lead's variant in the running test", body: object,
                                             ok: OpenAPIDocument.json("the assignment", schema: object), errors: [400, 404, 503])
        case .openAPI: return Documentation(summary: "This description (OpenAPI 3.1)", ok: OpenAPIDocument.json("the document", schema: object))
        }
    }

    /// The OpenAPI operation object.
    var operation: JSONValue {
        let doc = documentation
        var members: [(key: String, value: JSONValue)] = [(key: "summary", value: .string(doc.summary)),
                                                          (key: "operationId", value: .string(String(describing: self)))]
        let parameters = openAPIPath.split(separator: "/").filter { $0.hasPrefix("{") }.map { part -> JSONValue in
            ["name": .string(String(part.dropFirst().dropLast())), "in": "path", "required": true, "schema": ["type": "string"]]
        }
        var query: [JSONValue] = []
        if self == .scoreBody || self == .scoreBatch || self == .scoreByID {
            query.append(["name": "factors", "in": "query", "schema": ["type": "integer", "minimum": 0, "maximum": 100, "default": 5],
                          "description": "how many top contributing factors"])
        }
        if self == .scoreBody || self == .scoreBatch {
            query.append(["name": "extra_fields", "in": "query", "schema": ["enum": ["ignore"]], "description": "ignore unknown lead keys instead of refusing them"])
        }
        if !(parameters + query).isEmpty { members.append((key: "parameters", value: .array(parameters + query))) }
        if let body = doc.body {
            members.append((key: "requestBody", value: ["required": .bool(self != .scoreByID), "content": ["application/json": ["schema": body]]]))
        }
        if isAdmin { members.append((key: "security", value: [["admin": []]])) }
        var responses: [(key: String, value: JSONValue)] = [(key: String(doc.okStatus), value: doc.ok)]
        for status in doc.errors { responses.append((key: String(status), value: OpenAPIDocument.errorResponse)) }
        members.append((key: "responses", value: .object(responses)))
        return .object(members)
    }
}
