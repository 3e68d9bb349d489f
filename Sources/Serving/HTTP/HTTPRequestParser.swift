/// An incremental HTTP/1.x request parser: a pure state machine over bytes, with no I/O, so
/// that it can be tested byte by byte and split at every position.
///
/// The caller keeps the bytes not yet consumed in a buffer and calls ``parse(_:)`` with them
/// (starting at the current request) whenever more arrive. The parser remembers how far it
/// has scanned, so feeding a request one byte at a time costs linear time. After
/// ``Outcome/request(_:consumed:)`` the caller drops `consumed` bytes and calls again: the
/// next pipelined request may already be there. After ``Outcome/failure(_:)`` the stream
/// cannot be trusted: answer with the failure's status and close the connection.
///
/// Accepted: `METHOD SP target SP HTTP/1.1|HTTP/1.0 CRLF`, header fields `name: value CRLF`,
/// an empty line, then exactly `Content-Length` body bytes. The target is an absolute path
/// (`/score?factors=0`) or the absolute form a proxy sends (`http://host:8080/score`, RFC 9112
/// §3.2.2: its path is used). Empty lines before a request are skipped (RFC 9112 §2.2) but
/// count against the head limit. Rejected: a request-line or field that does not parse (400),
/// another target form (400), a bare LF anywhere in the head, at once (400), HTTP/1.1 without
/// exactly one `Host` or HTTP/1.0 with several (400, RFC 9112 §3.2), another HTTP version
/// (505), any `Transfer-Encoding` (411: send `Content-Length`), an invalid or conflicting
/// `Content-Length` (400), a head over ``Limits/maxHeadBytes`` or with more than
/// ``Limits/maxHeaderCount`` fields (431), a body over ``Limits/maxBodyBytes`` (413, before
/// any of it is read).
public struct HTTPRequestParser: Sendable {
    /// Size limits, in bytes and fields.
    public struct Limits: Sendable {
        /// Request-line plus header fields, line ends included.
        public var maxHeadBytes = 16 * 1024
        public var maxHeaderCount = 100
        public var maxBodyBytes = 1 << 20
        public init(maxHeadBytes: Int = 16 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 1 << 20) {
            self.maxHeadBytes = maxHeadBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// Why a request was rejected: the HTTP status to answer with and a message for the client.
    public struct Failure: Error, Equatable, Sendable {
        public var status: Int
        public var code: String
        public var message: String
    }

    public enum Outcome: Equatable, Sendable {
        /// The request is not complete yet.
        case needMore
        /// A complete request that used the first `consumed` bytes.
        case request(HTTPRequest, consumed: Int)
        case failure(Failure)
    }

    private enum State: Sendable {
        /// Looking for the blank line that ends the head; `scanned` bytes hold none.
        case head(scanned: Int)
        /// The head is parsed; waiting for `contentLength` body bytes after `headLength`.
        case body(HTTPRequest, headLength: Int, contentLength: Int)
    }

    public let limits: Limits
    private var state = State.head(scanned: 0)

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Whether part of a request has been seen (for read timeouts: an idle keep-alive
    /// connection is waiting for nothing).
    public func isMidRequest(bufferedBytes: Int) -> Bool {
        if case .body = state { return true }
        return bufferedBytes > 0
    }

    /// Parses what `bytes` (the unconsumed input, from the start of the current request) holds.
    public mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        switch state {
        case .body(let request, let headLength, let contentLength):
            return finish(request, bytes: bytes, headLength: headLength, contentLength: contentLength)
        case .head(let scanned):
            let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
            // Skip empty lines before the request-line.
            var start = 0
            while start < bytes.count, bytes[start] == cr || bytes[start] == lf { start += 1 }
            var i = max(start, scanned - 3)
            var end = -1
            while i + 3 < bytes.count {
                if bytes[i + 3] != lf { i += bytes[i + 3] == cr ? 1 : 4; continue }
                if bytes[i] == cr, bytes[i + 1] == lf, bytes[i + 2] == cr { end = i; break }
                i += 1
            }
            guard end >= 0 else {
                // The blank lines skipped count too: a stream of CRLF must end, not fill memory.
                if bytes.count > limits.maxHeadBytes { return .failure(Self.headTooLarge(limits)) }
                // A line ended by a bare LF would never reach the CRLF CRLF looked for: refuse
                // it now rather than time out.
                for k in max(start, scanned, 1)..<max(start, scanned, 1, bytes.count) where bytes[k] == lf && bytes[k - 1] != cr {
                    return .failure(Self.bad("a bare LF in the request head (lines must end with CRLF)"))
                }
                state = .head(scanned: bytes.count)
                return .needMore
            }
            let headLength = end + 4
            if headLength > limits.maxHeadBytes { return .failure(Self.headTooLarge(limits)) }
            switch parseHead(UnsafeBufferPointer(rebasing: bytes[start..<end])) {
            case .failure(let failure):
                return .failure(failure)
            case .success(let (request, contentLength)):
                return finish(request, bytes: bytes, headLength: headLength, contentLength: contentLength)
            }
        }
    }

    private mutating func finish(_ request: HTTPRequest, bytes: UnsafeBufferPointer<UInt8>, headLength: Int, contentLength: Int) -> Outcome {
        guard bytes.count >= headLength + contentLength else {
            state = .body(request, headLength: headLength, contentLength: contentLength)
            return .needMore
        }
        var complete = request
        if contentLength > 0 { complete.body = Array(bytes[headLength..<(headLength + contentLength)]) }
        state = .head(scanned: 0)
        return .request(complete, consumed: headLength + contentLength)
    }

    private static func headTooLarge(_ limits: Limits) -> Failure {
        Failure(status: 431, code: "headers_too_large", message: "the request line and headers exceed \(limits.maxHeadBytes) bytes")
    }

    private static func bad(_ message: String) -> Failure { Failure(status: 400, code: "bad_request", message: message) }

    /// Parses the request-line and the header fields (`head` excludes the final CRLF CRLF).
    private func parseHead(_ head: UnsafeBufferPointer<UInt8>) -> Result<(HTTPRequest, Int), Failure> {
        var lines: [Range<Int>] = []
        var lineStart = 0
        var i = 0
        while i < head.count {
            let byte = head[i]
            if byte == UInt8(ascii: "\r") {
                guard i + 1 < head.count, head[i + 1] == UInt8(ascii: "\n") else { return .failure(Self.bad("a bare CR in the request head")) }
                lines.append(lineStart..<i)
                i += 2
                lineStart = i
                continue
            }
            if byte == UInt8(ascii: "\n") { return .failure(Self.bad("a bare LF in the request head (lines must end with CRLF)")) }
            if byte == 0 { return .failure(Self.bad("a NUL byte in the request head")) }
            i += 1
        }
        lines.append(lineStart..<head.count)
        if lines.count - 1 > limits.maxHeaderCount {
            return .failure(Failure(status: 431, code: "headers_too_large", message: "more than \(limits.maxHeaderCount) header fields"))
        }

        // Request-line: METHOD SP TARGET SP VERSION.
        let requestLine = head[lines[0]]
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .failure(Self.bad("malformed request line (expected 'METHOD /path HTTP/1.1')"))
        }
        guard parts[0].allSatisfy(isTokenByte) else { return .failure(Self.bad("invalid method")) }
        let badTarget = Self.bad("the request target must be an absolute path (or an http URL) of visible ASCII characters")
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return .failure(badTarget) }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            if version.hasPrefix("HTTP/") {
                return .failure(Failure(status: 505, code: "http_version_not_supported", message: "only HTTP/1.1 and HTTP/1.0 are supported"))
            }
            return .failure(Self.bad("malformed HTTP version"))
        }
        let path: String, query: String
        if parts[1].first == UInt8(ascii: "/") {
            (path, query) = Self.pathAndQuery(parts[1])
        } else if let origin = Self.originForm(Array(parts[1])[...]) {
            (path, query) = Self.pathAndQuery(origin)
        } else {
            return .failure(badTarget)
        }

        // Header fields.
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(lines.count - 1)
        var contentLength: Int?
        var keepAlive = version == "HTTP/1.1"
        var hosts = 0
        for line in lines.dropFirst() {
            let field = head[line]
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > field.startIndex else {
                if let first = field.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                    return .failure(Self.bad("obsolete line folding in a header field"))
                }
                return .failure(Self.bad("malformed header field (expected 'Name: value')"))
            }
            let nameBytes = field[..<colon]
            guard nameBytes.allSatisfy(isTokenByte) else { return .failure(Self.bad("invalid header field name")) }
            var valueStart = field.index(after: colon), valueEnd = field.endIndex
            while valueStart < valueEnd, field[valueStart] == 0x20 || field[valueStart] == 0x09 { valueStart += 1 }
            while valueEnd > valueStart, field[valueEnd - 1] == 0x20 || field[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            let valueBytes = field[valueStart..<valueEnd]
            guard valueBytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
                return .failure(Self.bad("a control character in a header value"))
            }
            let name = String(decoding: nameBytes, as: UTF8.self).lowercased()
            let value = String(decoding: valueBytes, as: UTF8.self)
            switch name {
            case "content-length":
                guard !valueBytes.isEmpty, valueBytes.count <= 18, valueBytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(value) else {
                    return .failure(Self.bad("invalid Content-Length"))
                }
                if let contentLength, contentLength != length { return .failure(Self.bad("conflicting Content-Length values")) }
                contentLength = length
            case "transfer-encoding":
                return .failure(Failure(status: 411, code: "length_required",
                                        message: "chunked or other transfer-encoded request bodies are not supported; send Content-Length"))
            case "host":
                hosts += 1
            case "connection":
                for token in value.lowercased().split(separator: ",") {
                    let option = token.trimmingSpaces
                    if option == "close" { keepAlive = false }
                    if option == "keep-alive" { keepAlive = true }
                }
            default:
                break
            }
            headers.append((name, value))
        }
        let length = contentLength ?? 0
        if length > limits.maxBodyBytes {
            return .failure(Failure(status: 413, code: "body_too_large", message: "the request body exceeds \(limits.maxBodyBytes) bytes"))
        }
        if hosts > 1 || (hosts == 0 && version == "HTTP/1.1") {
            return .failure(Self.bad(hosts == 0 ? "an HTTP/1.1 request needs a Host header" : "more than one Host header"))
        }
        let request = HTTPRequest(method: String(decoding: parts[0], as: UTF8.self), path: path, query: query, version: version,
                                  headers: headers, body: [], keepAlive: keepAlive)
        return .success((request, length))
    }
}

extension HTTPRequestParser {
    /// An origin-form target split at its first `?`.
    static func pathAndQuery<Target: Collection<UInt8>>(_ target: Target) -> (path: String, query: String) {
        let questionMark = target.firstIndex(of: UInt8(ascii: "?"))
        let path = String(decoding: target[..<(questionMark ?? target.endIndex)], as: UTF8.self)
        let query = questionMark.map { String(decoding: target[(target.index(after: $0))...], as: UTF8.self) } ?? ""
        return (path, query)
    }

    /// The path-and-query of a request target: an origin-form target as it is, the part of an
    /// absolute-form `http://` or `https://` URL after its authority (`/` when it has none);
    /// `nil` for other forms (`*`, `host:port`, other schemes).
    static func originForm(_ target: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        if target.first == UInt8(ascii: "/") { return target }
        let lowered = target.prefix(8).map { $0 | 0x20 }
        let scheme: Int
        if lowered.starts(with: "http://".utf8) { scheme = 7 } else if lowered.starts(with: "https://".utf8) { scheme = 8 } else { return nil }
        let authority = target.dropFirst(scheme)
        guard let first = authority.first, first != UInt8(ascii: "/") else { return nil }
        guard let end = authority.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) else { return [UInt8(ascii: "/")] }
        if target[end] == UInt8(ascii: "/") { return target[end...] }
        return [UInt8(ascii: "/")] + target[end...]
    }
}

/// RFC 9110 `tchar`: the characters of methods and header field names.
@inline(__always)
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"),
         UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"),
         UInt8(ascii: "~"): true
    default: false
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self[...]
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
