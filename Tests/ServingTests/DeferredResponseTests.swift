import Dispatch
import Foundation
import Testing
import TestSupport
@testable import Serving

/// Responses made off the event loop (``HTTPResponse/later(_:)``): while one is being made,
/// the loop answers its other connections, and the connection's own next request waits, so
/// replies stay in request order. One event loop, so that every connection shares it.
@Suite struct DeferredResponseTests {
    /// A server whose `/slow` is answered by a worker thread once `release` is signalled
    /// (``HTTPResponse/later(_:)``), `/eventual` likewise by a thread of its own that replies
    /// (``HTTPResponse/eventually(_:)``), and whose other paths are answered on the loop with
    /// the path.
    static func start(release: DispatchSemaphore) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.threads = 1
        configuration.accessLog = false
        let server = try HTTPServer(configuration: configuration) { request, _ in
            let path = request.path
            if path == "/slow" {
                return .later {
                    _ = release.wait(timeout: .now() + 5)  // bounded, so that a broken server fails instead of hanging
                    return .json(200, Array("\"slow\"".utf8))
                }
            }
            if path == "/eventual" {
                return .eventually { reply in
                    Thread {
                        _ = release.wait(timeout: .now() + 5)
                        reply(.json(200, Array("\"slow\"".utf8)))
                    }.start()
                }
            }
            return .json(200, Array("\"\(path)\"".utf8))
        }
        try server.start()
        return server
    }

    static let deferredPaths = ["/slow", "/eventual"]

    @Test(arguments: deferredPaths) func otherConnectionsAreAnsweredWhileAResponseIsMadeElsewhere(_ path: String) throws {
        let release = DispatchSemaphore(value: 0)
        let server = try Self.start(release: release)
        defer { server.stop(); server.wait() }
        let slow = try TestHTTPClient(port: server.port), fast = try TestHTTPClient(port: server.port)
        try slow.send("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.05)  // the loop has handed /slow to a worker
        let started = Date()
        for k in 0..<5 {
            let reply = try fast.request("GET", "/health\(k)")
            #expect(reply.status == 200 && reply.text == "\"/health\(k)\"")
        }
        // Answered while /slow is still held (it would take 5 s if it blocked the loop).
        #expect(Date().timeIntervalSince(started) < 2.5)
        release.signal()
        let reply = try slow.readResponse()
        #expect(reply.status == 200 && reply.text == "\"slow\"")
        // The connection goes on serving after its deferred reply.
        #expect(try slow.request("GET", "/after").text == "\"/after\"")
    }

    @Test(arguments: deferredPaths) func aPipelinedRequestWaitsForTheDeferredReplyBeforeIt(_ path: String) throws {
        let release = DispatchSemaphore(value: 0)
        let server = try Self.start(release: release)
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        try client.send("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.05)
        release.signal()
        #expect(try client.readResponse().text == "\"slow\"")
        #expect(try client.readResponse().text == "\"/next\"")
    }

    @Test(arguments: deferredPaths) func aClientThatLeavesBeforeItsDeferredReplyCostsNothing(_ path: String) throws {
        let release = DispatchSemaphore(value: 0)
        let server = try Self.start(release: release)
        defer { server.stop(); server.wait() }
        do {
            let client = try TestHTTPClient(port: server.port)
            try client.send("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.05)
        }  // closed here, before the reply exists
        Thread.sleep(forTimeInterval: 0.05)
        release.signal()
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try TestHTTPClient(port: server.port).request("GET", "/still").text == "\"/still\"")
    }

    @Test func batchesAndLargePredictionsRunOffTheLoop() throws {
        func request(_ path: String, body: Int) -> HTTPRequest {
            HTTPRequest(method: "POST", path: path, query: "", version: "HTTP/1.1", headers: [], body: [UInt8](repeating: 32, count: body), keepAlive: true)
        }
        #expect(ServiceRoute.scoreBatch.runsOffTheLoop(request("/api/v1/lead-scoring-ml/score-batch", body: 10)))
        #expect(ServiceRoute.predict.runsOffTheLoop(request("/api/v1/models/global/predict", body: 5000)))
        #expect(!ServiceRoute.predict.runsOffTheLoop(request("/api/v1/models/global/predict", body: 300)))
        #expect(!ServiceRoute.scoreBody.runsOffTheLoop(request("/api/v1/lead-scoring-ml/score", body: 5000)))
    }
}
