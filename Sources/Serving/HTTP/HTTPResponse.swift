import Core

/// An HTTP response to serialise: status, extra headers and a body. `Content-Length`,
/// `Date` and `Connection` are added by the server.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Close the connection after this response even if the request allowed keep-alive
    /// (set for errors after which the byte stream cannot be trusted).
    public var closeConnection: Bool
    /// Work that makes the real response off the event loop (see ``later(_:)``); nil for a
    /// response that is ready.
    public var deferredWork: DeferredWork?
    /// The route template that answered (`/api/v1/lead-scoring-ml/score/:leadId`), for the
    /// access log; nil for a response no route made.
    public var route: String?

    /// Where and how a deferred response is made.
    public enum DeferredWork: Sendable {
        /// On any of the server's worker threads.
        case anywhere(@Sendable () -> HTTPResponse)
        /// By whatever thread finishes the work: `start` runs on the event loop, must return at
        /// once, and arranges for its argument to be called exactly once with the response.
        case eventually(@Sendable (_ reply: @escaping @Sendable (HTTPResponse) -> Void) -> Void)
    }

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], closeConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.closeConnection = closeConnection
    }

    /// A response that `work` makes on one of the server's worker threads instead of the event
    /// loop: for requests that take long (a batch with explanations), so that the loop's other
    /// connections are not held up. The connection's next pipelined request waits for it, so
    /// replies stay in request order.
    public static func later(_ work: @escaping @Sendable () -> HTTPResponse) -> HTTPResponse {
        var response = HTTPResponse(status: 0)
        response.deferredWork = .anywhere(work)
        return response
    }

    /// A response that work started by `start` sends when it is done, from any thread, by
    /// calling `reply` exactly once: for work that waits on other threads (batched database
    /// reads and commits) without holding a thread per request. `start` runs on the event loop
    /// and must return at once. Otherwise as ``later(_:)``: the loop serves its other
    /// connections meanwhile, and this connection's next request waits for the reply.
    public static func eventually(_ start: @escaping @Sendable (_ reply: @escaping @Sendable (HTTPResponse) -> Void) -> Void) -> HTTPResponse {
        var response = HTTPResponse(status: 0)
        response.deferredWork = .eventually(start)
        return response
    }

    /// A JSON response (`Content-Type: application/json`).
    public static func json(_ status: Int, _ body: [UInt8], headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body)
    }

    /// The error body every route uses: `{"error": {"code": "...", "message": "..."}}`.
    public static func error(_ status: Int, code: String, message: String, headers: [(name: String, value: String)] = [],
                             closeConnection: Bool = false) -> HTTPResponse {
        var writer = JSONWriter()
        writer.object { o in
            o.key("error")
            o.object { e in
                e.field("code", code)
                e.field("message", message)
            }
        }
        var response = json(status, writer.bytes, headers: headers)
        response.closeConnection = closeConnection
        return response
    }

    /// Appends the status line, headers, `X-Request-Id` (when given), `Content-Length`, `Date`,
    /// `Connection` (when closing) and the body (unless not `includingBody`: a reply to HEAD)
    /// to `output`.
    public func serialise(into output: inout [UInt8], date: String, keepAlive: Bool, includingBody: Bool = true, requestID: [UInt8]? = nil) {
        output.append(contentsOf: "HTTP/1.1 \(status) \(Self.reason(status))\r\n".utf8)
        if let requestID {
            output.append(contentsOf: "X-Request-Id: ".utf8)
            output.append(contentsOf: requestID)
            output.append(contentsOf: "\r\n".utf8)
        }
        for (name, value) in headers {
            output.append(contentsOf: name.utf8)
            output.append(contentsOf: ": ".utf8)
            output.append(contentsOf: value.utf8)
            output.append(contentsOf: "\r\n".utf8)
        }
        output.append(contentsOf: "Content-Length: \(body.count)\r\nDate: \(date)\r\n".utf8)
        if !keepAlive { output.append(contentsOf: "Connection: close\r\n".utf8) }
        output.append(contentsOf: "\r\n".utf8)
        if includingBody { output.append(contentsOf: body) }
    }

    /// The reason phrase of `status`.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }
}
