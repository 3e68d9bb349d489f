import Core

/// An error a route answers with: status, a stable machine-readable code and a message for
/// people. Messages never carry stack traces, SQL or file paths.
public struct ServiceError: Error, Sendable {
    public var status: Int
    public var code: String
    public var message: String
    public var headers: [(name: String, value: String)] = []

    public init(_ status: Int, _ code: String, _ message: String, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var response: HTTPResponse { .error(status, code: code, message: message, headers: headers) }

    static func invalidField(_ error: FieldError) -> ServiceError {
        ServiceError(422, "invalid_field", "\(error.field): \(error.message)")
    }
}
