import Testing
@testable import Serving

/// The parser is a pure state machine: every test feeds bytes without sockets, whole, byte by
/// byte, and split at every position, and must get the same requests.
@Suite struct HTTPRequestParserTests {
    /// Parses `bytes` fed in pieces ending at `cuts`, as a connection would receive them;
    /// returns the requests and the failure, if any.
    static func feed(_ bytes: [UInt8], cuts: [Int], limits: HTTPRequestParser.Limits = .init()) -> (requests: [HTTPRequest], failure: HTTPRequestParser.Failure?) {
        var parser = HTTPRequestParser(limits: limits)
        var buffer: [UInt8] = []
        var requests: [HTTPRequest] = []
        var received = 0
        for cut in cuts + [bytes.count] where cut >= received {
            buffer.append(contentsOf: bytes[received..<cut])
            received = cut
            while !buffer.isEmpty {
                let outcome = buffer.withUnsafeBufferPointer { parser.parse($0) }
                switch outcome {
                case .needMore: break
                case .failure(let failure): return (requests, failure)
                case .request(let request, let consumed):
                    requests.append(request)
                    buffer.removeFirst(consumed)
                    continue
                }
                break
            }
        }
        return (requests, nil)
    }

    /// All three feeding patterns give `expected`.
    static func expectEverySplit(_ text: String, _ check: ([HTTPRequest], HTTPRequestParser.Failure?) -> Void) {
        let bytes = Array(text.utf8)
        let whole = feed(bytes, cuts: [])
        check(whole.requests, whole.failure)
        let single = feed(bytes, cuts: Array(0..<bytes.count))
        check(single.requests, single.failure)
        for cut in 0...bytes.count {
            let split = feed(bytes, cuts: [cut])
            check(split.requests, split.failure)
        }
    }

    @Test func getWithQueryAndHeaders() {
        Self.expectEverySplit("GET /api/v1/models?factors=3&x=a%20b HTTP/1.1\r\nHost: localhost\r\nX-Thing:  padded value \t\r\n\r\n") { requests, failure in
            #expect(failure == nil)
            #expect(requests.count == 1)
            let r = requests[0]
            #expect(r.method == "GET" && r.path == "/api/v1/models" && r.query == "factors=3&x=a%20b")
            #expect(r.header("x-thing") == "padded value" && r.header("HOST") == "localhost")
            #expect(r.queryValue("factors") == "3" && r.queryValue("x") == "a b" && r.queryValue("y") == nil)
            #expect(r.keepAlive && r.body.isEmpty)
        }
    }

    @Test func queryValues() {
        let request = HTTPRequest(method: "GET", path: "/", query: "flag&empty=&a=1&factors=3&a=2&pct=%41%20b&bad=%4")
        #expect(request.queryValue("flag") == "" && request.queryValue("empty") == "")
        #expect(request.queryValue("a") == "1" && request.queryValue("factors") == "3")
        #expect(request.queryValue("pct") == "A b" && request.queryValue("bad") == "%4")
        #expect(request.queryValue("fact") == nil && HTTPRequest(method: "GET", path: "/").queryValue("a") == nil)
        #expect(HTTPRequest(method: "GET", path: "/", query: "a=1&").queryValue("a") == "1")
        #expect(HTTPRequest(method: "GET", path: "/", query: "é=ü%C3%A9").queryValue("é") == "üé")
    }

    @Test func headersAndMediaTypes() {
        let request = HTTPRequest(method: "POST", path: "/", headers: [("content-type", "Application/JSON; charset=utf-8"), ("x-a", "1")])
        #expect(request.header("Content-Type") == "Application/JSON; charset=utf-8" && request.header("X-A") == "1")
        #expect(request.header("x") == nil && request.header("content-typ") == nil)
        for accepted in ["application/json", " APPLICATION/json ;charset=utf-8", "application/json;", "\tapplication/Json\t"] {
            #expect(ScoringService.isJSON(mediaType: accepted), "\(accepted)")
        }
        for refused in ["text/plain", "application/jsonx", "application/json-seq", "", "application/ json", "application/jso"] {
            #expect(!ScoringService.isJSON(mediaType: refused), "\(refused)")
        }
    }

    @Test func pipelinedPostsWithBodies() {
        let one = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\nContent-Type: application/json\r\n\r\n{\"a\":1}"
        let two = "POST /b HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\nConnection: close\r\n\r\n"
        Self.expectEverySplit("\r\n" + one + two) { requests, failure in
            #expect(failure == nil)
            #expect(requests.map(\.path) == ["/a", "/b"])
            #expect(requests.first.map { String(decoding: $0.body, as: UTF8.self) } == "{\"a\":1}")
            #expect(requests.last?.keepAlive == false)
        }
    }

    @Test func http10KeepAliveRules() {
        Self.expectEverySplit("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") { requests, _ in
            #expect(requests.map(\.keepAlive) == [false, true])
        }
    }

    @Test(arguments: [
        ("GET /\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\n\r\n", 400),
        ("GET http://x/ HTTP/1.1\r\n\r\n", 400),  // no Host
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", 400),
        ("GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET ftp://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET http:///x HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\n\r\n", 505),
        ("GET / FTP/1.0\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\nHost: x\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
        ("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413),
    ])
    func rejects(_ text: String, status: Int) {
        Self.expectEverySplit(text) { requests, failure in
            #expect(requests.isEmpty)
            #expect(failure?.status == status, "\(text.debugDescription)")
        }
    }

    @Test func headLimitsGive431() {
        let limits = HTTPRequestParser.Limits(maxHeadBytes: 256, maxHeaderCount: 4, maxBodyBytes: 100)
        let big = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 300) + "\r\n\r\n"
        #expect(Self.feed(Array(big.utf8), cuts: [], limits: limits).failure?.status == 431)
        // Without the blank line yet: rejected as soon as the limit is passed, not waiting forever.
        #expect(Self.feed(Array(big.utf8.prefix(280)), cuts: Array(0..<280), limits: limits).failure?.status == 431)
        let many = "GET / HTTP/1.1\r\n" + (0..<5).map { "H\($0): v\r\n" }.joined() + "\r\n"
        #expect(Self.feed(Array(many.utf8), cuts: [], limits: limits).failure?.status == 431)
        let body = "POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n"
        #expect(Self.feed(Array(body.utf8), cuts: [], limits: limits).failure?.status == 413)
    }

    @Test func absoluteFormTargetsUseTheirPath() {
        let cases = [("http://example.com:8080/api/v1/x?factors=0", "/api/v1/x", "factors=0"), ("HTTPS://h", "/", ""),
                     ("http://h?a=1", "/", "a=1"), ("http://user@h/p/q", "/p/q", "")]
        for (target, path, query) in cases {
            Self.expectEverySplit("GET \(target) HTTP/1.1\r\nHost: example.com\r\n\r\n") { requests, failure in
                #expect(failure == nil && requests.count == 1, "\(target)")
                #expect(requests.first?.path == path && requests.first?.query == query, "\(target)")
            }
        }
    }

    /// A bare LF is refused as soon as it arrives, not after the read timeout (the CRLF CRLF
    /// that ends a head would never come).
    @Test func aBareLFIsRefusedAtOnce() {
        for text in ["GET / HTTP/1.1\nHost: x\n", "GET / HTTP/1.1\r\nHost: x\n", "\r\nGET / HTTP/1.1\n"] {
            Self.expectEverySplit(text) { requests, failure in
                #expect(requests.isEmpty && failure?.status == 400, "\(text.debugDescription)")
            }
        }
    }

    /// Blank lines before a request count against the head limit: an endless stream of CRLF
    /// ends with 431 instead of growing the buffer forever.
    @Test func blankLinesCountAgainstTheHeadLimit() {
        let limits = HTTPRequestParser.Limits(maxHeadBytes: 256, maxHeaderCount: 4, maxBodyBytes: 100)
        let stream = Array(String(repeating: "\r\n", count: 200).utf8)
        #expect(Self.feed(stream, cuts: Array(stride(from: 0, to: stream.count, by: 7)), limits: limits).failure?.status == 431)
        let padded = Array((String(repeating: "\r\n", count: 120) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n").utf8)
        #expect(Self.feed(padded, cuts: [], limits: limits).failure?.status == 431)
        let fits = Array((String(repeating: "\r\n", count: 10) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n").utf8)
        #expect(Self.feed(fits, cuts: [], limits: limits).requests.count == 1)
    }

    @Test func truncatedRequestWaits() {
        let text = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n12345"
        let outcome = Self.feed(Array(text.utf8), cuts: [3, 20])
        #expect(outcome.requests.isEmpty && outcome.failure == nil)
    }
}
