import Core
import Foundation

/// Reading request bodies and parameters, writing JSON replies, and the admin check: shared
/// by every route family.
extension ScoringService {
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

    /// The body as an object with no key outside `keys` (422 naming the first other one: a
    /// misspelled option must not be silently ignored). 400 without a body.
    func requireObject(_ body: JSONValue?, keys: Set<String>) throws -> JSONValue {
        guard let body else { throw ServiceError(400, "missing_body", "this route needs a JSON object body") }
        guard case .object = body else { throw FieldError(field: "body", message: "must be a JSON object") }
        try body.refuseUnknownKeys(allowed: keys)
        return body
    }

    /// `?extra_fields=ignore`: skip the keys of leads and instances that are no field (for
    /// clients that send their own extra columns); `refuse`, the default, answers 422.
    func ignoresUnknownFields(_ request: HTTPRequest) throws -> Bool {
        switch request.queryValue("extra_fields") {
        case nil, "refuse"?: return false
        case "ignore"?: return true
        default: throw FieldError(field: "extra_fields", message: "must be refuse or ignore")
        }
    }

    func bool(_ value: JSONValue?, field: String, default fallback: Bool) throws -> Bool {
        switch value {
        case nil, .null?: return fallback
        case .bool(let b)?: return b
        default: throw FieldError(field: field, message: "must be a boolean")
        }
    }

    /// `?factors=N` (0…100), else the default.
    func factorCount(_ request: HTTPRequest) throws -> Int {
        guard let text = request.queryValue("factors") else { return configuration.defaultFactors }
        guard let n = Int(text), (0...100).contains(n) else { throw FieldError(field: "factors", message: "must be an integer from 0 to 100") }
        return n
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
