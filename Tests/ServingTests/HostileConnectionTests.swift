import Foundation
import Testing
import TestSupport
@testable import Serving

/// Hostile connections (issue #22): a client that pipelines without reading, an endless
/// stream of blank lines, HEAD, a second server on the same port. Each is bounded, answered
/// correctly, and leaves other clients served.
@Suite(.serialized) struct HostileConnectionTests {
    /// `mlctl serve` on the shared registry in its own process, so that its memory is measured
    /// apart from the tests running beside this one.
    static func serve() throws -> ServeProcess {
        try ServeProcess(["serve", "--models", ServingFixture.shared.registry.path, "--port", "0", "--threads", "2", "--quiet"])
    }

    /// Runs `send` on its own thread (it may block on a full socket), and gives it `seconds`.
    static func inBackground(_ send: @escaping @Sendable () -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        group.enter()
        Thread { send(); group.leave() }.start()
        return group
    }

    @Test func pipeliningWithoutReadingTheRepliesStaysBounded() throws {
        let server = try Self.serve()
        defer { _ = server.terminate() }
        let hostile = try TestHTTPClient(port: server.port)
        hostile.setSendTimeout(5)
        let request = Array("GET /api/v1/lead-scoring-ml/models HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let reply = try TestHTTPClient(port: server.port).request("GET", "/api/v1/lead-scoring-ml/models").body.count
        let before = server.residentBytes
        let all = (0..<50_000).flatMap { _ in request }
        let sender = Self.inBackground { try? hostile.send(all) }
        // Unbounded, the replies (50,000 × the models list) pile up in the server within seconds.
        var grown = 0
        for _ in 0..<100 where grown < 50 << 20 {
            Thread.sleep(forTimeInterval: 0.1)
            grown = server.residentBytes - before
        }
        // Others are served meanwhile.
        let other = try TestHTTPClient(port: server.port)
        #expect(try other.request("GET", "/health").status == 200)
        hostile.shutdownBoth()
        _ = sender.wait(timeout: .now() + 10)
        #expect(grown < 50 << 20, "resident memory grew by \(grown >> 10) kB (50,000 replies of \(reply) bytes)")
    }

    @Test func anEndlessStreamOfBlankLinesIsCutOff() throws {
        let server = try Self.serve()
        defer { _ = server.terminate() }
        let hostile = try TestHTTPClient(port: server.port)
        hostile.setSendTimeout(5)
        let before = server.residentBytes
        let chunk = Array(String(repeating: "\r\n", count: 32 * 1024).utf8)
        let started = Date()
        let sender = Self.inBackground {
            for _ in 0..<(100 << 20) / chunk.count { guard (try? hostile.send(chunk)) != nil else { return } }
        }
        #expect(sender.wait(timeout: .now() + 15) == .success, "the server must stop the stream")
        #expect(Date().timeIntervalSince(started) < 10)
        let grown = server.residentBytes - before
        #expect(grown < 50 << 20, "resident memory grew by \(grown >> 20) MB")
        #expect(try TestHTTPClient(port: server.port).request("GET", "/health").status == 200)
    }

    @Test func headRepliesCarryNoBody() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let get = try client.request("GET", "/api/v1/lead-scoring-ml/models")
        // Pipelined: HEAD then GET; the GET's reply must follow the HEAD's headers directly.
        try client.send("HEAD /api/v1/lead-scoring-ml/models HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try client.readResponse(bodyless: true)
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.headers["content-length"] == String(get.body.count))
        let health = try client.readResponse()
        #expect(health.status == 200 && health.json?["status"] != nil, "\(health.text)")
    }

    @Test func aPortInUseIsAnError() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        #expect {
            _ = try ServingFixture.start { $0.port = server.port }
        } throws: { error in
            String(describing: error).contains("in use")
        }
        #expect(try TestHTTPClient(port: server.port).request("GET", "/health").status == 200)
    }

    @Test func requestsWithoutOneHostOrWithABareLFAreRefusedAtOnce() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        for raw in ["GET /health HTTP/1.1\r\n\r\n", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET /health HTTP/1.1\nHost: a\n"] {
            let client = try TestHTTPClient(port: server.port, timeout: 2)
            try client.send(raw)
            #expect(try client.readResponse().status == 400, "\(raw.debugDescription)")
        }
        let absolute = try TestHTTPClient(port: server.port)
        try absolute.send("GET http://localhost:\(server.port)/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try absolute.readResponse().status == 200)
    }
}
