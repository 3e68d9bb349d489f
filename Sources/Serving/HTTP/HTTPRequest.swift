/// One parsed HTTP/1.x request.
public struct HTTPRequest: Sendable, Equatable {
    /// The method as sent (`GET`, `POST`, …; case-sensitive, as HTTP says).
    public var method: String
    /// The path part of the request target, still percent-encoded (`/api/v1/models`).
    public var path: String
    /// The query string after `?`, still percent-encoded (empty when there is none).
    public var query: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    /// Header fields in arrival order, names lower-cased, values trimmed.
    public var headers: [(name: String, value: String)]
    /// The body (`Content-Length` bytes; empty when there is none).
    public var body: [UInt8]
    /// Whether the connection stays open after the response (HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`).
    public var keepAlive: Bool

    public init(method: String, path: String, query: String = "", version: String = "HTTP/1.1",
                headers: [(name: String, value: String)] = [], body: [UInt8] = [], keepAlive: Bool = true) {
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.utf8.count == name.utf8.count && asciiLowercased(name.utf8).elementsEqual($0.name.utf8) }?.value
    }

    /// The decoded value of query parameter `name` (`?factors=3` → "3"); `nil` when absent.
    /// Works on the UTF-8 bytes: it runs on every scoring request.
    public func queryValue(_ name: String) -> String? {
        guard !query.isEmpty else { return nil }
        let bytes = query.utf8, key = name.utf8
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            let pair = bytes[start..<end]
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            if pair[..<(equals ?? end)].elementsEqual(key) {
                guard let equals else { return "" }
                return String(Substring(pair[bytes.index(after: equals)...])).removingPercentEncodingOrSelf
            }
            start = end == bytes.endIndex ? end : bytes.index(after: end)
        }
        return nil
    }

    public static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.query == b.query && a.version == b.version && a.body == b.body
            && a.keepAlive == b.keepAlive && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }
}

extension String {
    /// Percent-decoded (`+` stays `+`); the text itself when an escape is malformed.
    var removingPercentEncodingOrSelf: String {
        guard utf8.contains(UInt8(ascii: "%")) else { return self }  // not `contains("%")`: Foundation's, slow
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return self }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? self
    }
}

/// ASCII letters lower-cased, lazily (header names and media types are ASCII tokens).
func asciiLowercased<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> LazyMapSequence<Bytes, UInt8> {
    bytes.lazy.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}
