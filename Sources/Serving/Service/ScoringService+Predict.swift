import Core
import Foundation
import Training

/// `POST /api/v1/models/:name/predict`: any loaded model on instances given as JSON objects.
extension ScoringService {
    func predict(_ name: String, _ request: HTTPRequest, state: ServingState) throws -> HTTPResponse {
        guard let model = state.catalog.models[name] else {
            throw ServiceError(404, "model_not_found", "no model '\(name.prefix(100))' (loaded: \(state.catalog.models.keys.sorted().joined(separator: ", ")))")
        }
        let body = try requireObject(try jsonBody(request), keys: ["instances", "contributions"])
        let ignoringUnknown = try ignoresUnknownFields(request)
        guard case .array(let instances)? = body["instances"] else { throw FieldError(field: "instances", message: "must be an array of objects") }
        guard instances.count <= configuration.maxBatch else {
            throw FieldError(field: "instances", message: "at most \(configuration.maxBatch) instances per request (got \(instances.count))")
        }
        let wantContributions = try bool(body["contributions"], field: "contributions", default: false)
        let features = model.encoder.features
        var values = [InputValue](repeating: .missing, count: instances.count * features.count)
        for (row, instance) in instances.enumerated() {
            guard case .object = instance else { throw FieldError(field: "instances[\(row)]", message: "must be an object") }
            if !ignoringUnknown { try instance.refuseUnknownKeys(allowed: model.encoder.featureNames, prefix: "instances[\(row)].") }
            for (k, feature) in features.enumerated() {
                let field = "instances[\(row)].\(feature.name)"
                switch instance[feature.name] {
                case nil, .null?: break
                case .number(let n)?:
                    guard n.isFinite, abs(n) <= Double(Float.greatestFiniteMagnitude) else { throw FieldError(field: field, message: "must be a finite number") }
                    values[row * features.count + k] = .number(Float(n))
                case .string(let s)?:
                    if feature.kind == .numeric {
                        // A numeric string reads as the same number JSON would (no "inf", "0x10").
                        guard let n = JSONParser.number(s), abs(n) <= Double(Float.greatestFiniteMagnitude) else {
                            throw FieldError(field: field, message: "must be a finite number")
                        }
                        values[row * features.count + k] = .number(Float(n))
                    } else {
                        values[row * features.count + k] = .text(s)
                    }
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
}
