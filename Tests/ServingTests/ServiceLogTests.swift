import Core
import Database
import Foundation
import Leads
import Testing
@testable import Serving
import TestSupport
import Training

/// The service's log over loopback: access lines with their fields and request ids, in JSON
/// and text, and the events (startup, reload, drift, database).
@Suite(.serialized) struct ServiceLogTests {
    let fixture = ServingFixture.shared
    static let score = "/api/v1/lead-scoring-ml/score"

    /// Waits (up to 5 s) until `lines` holds `count` lines: loops write theirs once per turn.
    static func await(_ lines: LogLines, count: Int, where include: (String) -> Bool = { _ in true }) -> [String] {
        let deadline = Date().addingTimeInterval(5)
        while lines.lines.filter(include).count < count, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return lines.lines.filter(include)
    }

    static func isRFC3339UTC(_ text: String) -> Bool {
        text.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil
    }

    @Test func jsonAccessLinesCarryEveryFieldAndTheRequestID() throws {
        let lines = LogLines()
        let (server, _) = try ServingFixture.start(configure: { $0.accessLog = true; $0.log = lines.serviceLog(.json) })
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let lead = fixture.leads[3]
        let body = ServingFixture.body(for: lead, agent: fixture.agents.first { $0.id == lead.agentId })

        // (method, path, body, client id, status, route template, whether the client's id is kept)
        let tooLong = String(repeating: "x", count: RequestID.maximumLength + 1)
        let cases: [(String, String, String?, String?, Int, String, Bool)] = [
            ("POST", Self.score, body, "3f2b9c1e-7a4d-4e0b-9c55-0e4a1b2c3d4e", 200, Self.score, true),
            ("POST", Self.score + "/5", nil, nil, 503, Self.score + "/:leadId", false),
            ("GET", "/api/v1/models/gbdt/predict", nil, "trace:abc/12+z=@_.", 405, "/api/v1/models/:name/predict", true),
            ("GET", "/nowhere/12345", nil, "has space", 404, "unmatched", false),
            ("HEAD", "/health", nil, tooLong, 200, "/health", false),
            ("GET", "/metrics", nil, "quote\"d", 200, "/metrics", false),
            ("GET", "/health", nil, "ünïcode", 200, "/health", false),
            ("GET", "/api/v1/ab-testing/tests", nil, "x", 503, "/api/v1/ab-testing/tests", true),
        ]
        var replies: [(id: String, bytes: Int)] = []
        for (method, path, body, id, status, _, kept) in cases {
            let response = try client.request(method, path, body: body, headers: id.map { ["X-Request-Id": $0] } ?? [:])
            #expect(response.status == status, "\(method) \(path): \(response.text)")
            let echoed = try #require(response.headers["x-request-id"], "\(method) \(path): no X-Request-Id")
            #expect(RequestID.accepts(echoed))
            #expect((echoed == id) == kept, "\(method) \(path): \(echoed) for \(id ?? "none")")
            replies.append((echoed, response.body.count))
        }
        let ids = Set(replies.map(\.id))
        #expect(ids.count == cases.count, "request ids are unique")

        let logged = Self.await(lines, count: cases.count)
        #expect(logged.count == cases.count, "\(logged)")
        for (k, (method, path, _, _, status, route, _)) in cases.enumerated() where k < logged.count {
            let line = try #require(try? JSONParser.parse(Array(logged[k].utf8)), "not JSON: \(logged[k])")
            let context = Comment(rawValue: logged[k])
            guard case .string(let time)? = line["time"], case .number(let micros)? = line["microseconds"] else {
                Issue.record(context)
                continue
            }
            #expect(Self.isRFC3339UTC(time), context)
            #expect(micros >= 0 && micros == micros.rounded(), context)
            #expect(line["level"] == .string("info") && line["event"] == .string("request"), context)
            #expect(line["client"] == .string("127.0.0.1"), context)
            #expect(line["method"] == .string(method), context)
            #expect(line["route"] == .string(route), context)
            #expect(line["status"] == .number(Double(status)), context)
            #expect(line["bytes"] == .number(Double(replies[k].bytes)), context)
            #expect(line["requestId"] == .string(replies[k].id), context)
            #expect(!logged[k].contains(path) || path == route, "the raw path is not logged: \(context)")
            guard case .object(let members) = line else { continue }
            #expect(members.map(\.key) == ["time", "level", "event", "client", "method", "route", "status", "bytes", "microseconds", "requestId"])
        }
    }

    /// A request the parser refuses has no route and no id of the client's, but its reply
    /// carries an id as every reply does.
    @Test func aMalformedRequestIsLoggedWithAnID() throws {
        let lines = LogLines()
        let (server, _) = try ServingFixture.start(configure: { $0.accessLog = true; $0.log = lines.serviceLog(.json) })
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        try client.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: mine\r\nContent-Length: nope\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        let id = try #require(response.headers["x-request-id"])
        #expect(id != "mine")
        let logged = Self.await(lines, count: 1)
        let line = try #require(logged.first.flatMap { try? JSONParser.parse(Array($0.utf8)) })
        #expect(line["method"] == .string("-") && line["route"] == .string("-") && line["status"] == .number(400))
        #expect(line["requestId"] == .string(id))
    }

    /// A connection past the limit is answered 503 before its request is read: with an id
    /// and an access line all the same.
    @Test func aRefusedConnectionHasAnIDAndALine() throws {
        let lines = LogLines()
        let (server, _) = try ServingFixture.start(configure: {
            $0.accessLog = true
            $0.log = lines.serviceLog(.json)
            $0.maxConnections = 1
            $0.threads = 1
        })
        defer { server.stop(); server.wait() }
        let first = try TestHTTPClient(port: server.port)
        #expect(try first.request("GET", "/health").status == 200)
        let refused = try TestHTTPClient(port: server.port).readResponse()
        #expect(refused.status == 503 && refused.errorCode == "too_many_connections")
        let id = try #require(refused.headers["x-request-id"])
        let logged = Self.await(lines, count: 2).compactMap { try? JSONParser.parse(Array($0.utf8)) }
        let line = try #require(logged.first { $0["status"] == .number(503) }, "\(lines.lines)")
        #expect(line["requestId"] == .string(id) && line["route"] == .string("-") && line["client"] == .string("127.0.0.1"))
        #expect(line["bytes"] == .number(Double(refused.body.count)))
    }

    @Test func textAccessLinesAndEvents() throws {
        let lines = LogLines()
        let token = "a-secret-admin-token-0123456789"
        let log = lines.serviceLog(.text)
        let (server, _) = try ServingFixture.start(adminToken: token, configure: { $0.accessLog = true; $0.log = log }, serviceLog: log)
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        #expect(try client.request("GET", "/health", headers: ["X-Request-Id": "abc-1"]).status == 200)
        let reload = try client.request("POST", "/api/v1/lead-scoring-ml/models/reload", headers: ["Authorization": "Bearer \(token)"])
        #expect(reload.status == 200, "\(reload.text)")
        let logged = Self.await(lines, count: 3)
        let access = try #require(logged.first { $0.hasSuffix(" abc-1") })
        #expect(access.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 127\.0\.0\.1 GET \/health 200 \d+ \d+µs abc-1/) != nil, "\(access)")
        let event = try #require(logged.first { $0.contains(" reload ") }, "\(logged)")
        #expect(event.wholeMatch(of: /\S+Z info reload reloaded models: .* version=v1 models=gbdt,global,pc/) != nil, "\(event)")
        #expect(logged.contains { $0.contains("POST /api/v1/lead-scoring-ml/models/reload 200") })
        #expect(!logged.contains { $0.contains(token) || $0.lowercased().contains("bearer") })
    }

    @Test func reloadEventsInJSON() throws {
        let lines = LogLines()
        let token = "a-secret-admin-token-0123456789"
        let root = TestPaths.temporaryDirectory("mlctl-log-reload")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.copyItem(at: fixture.registry, to: root.appendingPathComponent("registry"))
        let registry = root.appendingPathComponent("registry")
        let (server, _) = try ServingFixture.start(models: registry, adminToken: token, serviceLog: lines.serviceLog(.json))
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let admin = ["Authorization": "Bearer \(token)"]
        #expect(try client.request("POST", "/api/v1/lead-scoring-ml/models/reload", headers: admin).status == 200)
        // The current version's bundle damaged: the reload fails, and says so in the log.
        let current = try FileManager.default.destinationOfSymbolicLink(atPath: registry.appendingPathComponent("current").path)
        try #require(!current.hasPrefix("/"), "the copy's current version would be the shared fixture's")
        try "{}".write(to: registry.appendingPathComponent(current).appendingPathComponent("pc/model.json"), atomically: true, encoding: .utf8)
        #expect(try client.request("POST", "/api/v1/lead-scoring-ml/models/reload", headers: admin).status == 409)
        let events = Self.await(lines, count: 2).compactMap { try? JSONParser.parse(Array($0.utf8)) }
        let ok = try #require(events.first { $0["event"] == .string("reload") }, "\(lines.lines)")
        #expect(ok["level"] == .string("info") && ok["version"] == .string("v1"))
        #expect(ok["models"] == .array([.string("gbdt"), .string("global"), .string("pc")]))
        guard case .string(let time)? = ok["time"], case .string(let message)? = ok["message"] else { Issue.record("\(ok)"); return }
        #expect(Self.isRFC3339UTC(time) && message.hasPrefix("reloaded models"))
        let failed = try #require(events.first { $0["event"] == .string("reload_failed") }, "\(lines.lines)")
        #expect(failed["level"] == .string("error"))
        #expect(!lines.lines.contains { $0.contains(token) })
    }

    /// A model whose inputs drift past the alert level is logged once, not at every check.
    @Test func driftAlertsAreLoggedOnce() throws {
        let lines = LogLines()
        let (server, service) = try ServingFixture.start(serviceLog: lines.serviceLog(.json))
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        service.checkDrift()
        #expect(lines.lines.isEmpty, "no alert before any input")
        // Every instance empty: each feature's missing bin takes all the rows.
        let empties = "{\"instances\": [" + Array(repeating: "{}", count: 50).joined(separator: ",") + "]}"
        for _ in 0..<3 { #expect(try client.request("POST", "/api/v1/models/gbdt/predict", body: empties).status == 200) }
        service.checkDrift()
        let alerts = lines.objects.compactMap { $0 }.filter { $0["event"] == .string("drift_alert") }
        #expect(!alerts.isEmpty, "\(lines.lines)")
        for alert in alerts {
            #expect(alert["level"] == .string("warning") && alert["model"] == .string("gbdt"), "\(alert)")
            guard case .number(let psi)? = alert["psi"], case .string? = alert["feature"] else { Issue.record("\(alert)"); continue }
            #expect(psi >= DriftMonitor.alertPSI && alert["observations"] == .number(150))
        }
        service.checkDrift()
        #expect(lines.lines.count == alerts.count, "an alert already logged is not logged again")
    }

    /// By id, the reply is made on another thread: it still carries the request's id, and its
    /// access line the route template, not the lead's id.
    @Test(.enabled(if: TestDatabase.isConfigured)) func byIDRepliesCarryTheRequestID() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let leads = Array(fixture.leads.prefix(3))
            try LeadStore.insert(agents: fixture.agents, leads: leads, into: db)
            let lines = LogLines()
            let (server, _) = try ServingFixture.start(databaseURL: url, configure: { $0.accessLog = true; $0.log = lines.serviceLog(.json) })
            defer { server.stop(); server.wait() }
            let client = try TestHTTPClient(port: server.port)
            let found = try client.request("POST", "\(Self.score)/\(leads[1].id)", headers: ["X-Request-Id": "by-id-1"])
            #expect(found.status == 200 && found.headers["x-request-id"] == "by-id-1", "\(found.text)")
            let missing = try client.request("POST", "\(Self.score)/987654", headers: ["X-Request-Id": "by-id-2"])
            #expect(missing.status == 404 && missing.headers["x-request-id"] == "by-id-2")
            let logged = Self.await(lines, count: 2).compactMap { try? JSONParser.parse(Array($0.utf8)) }
            #expect(logged.map { $0["requestId"] } == [.string("by-id-1"), .string("by-id-2")])
            #expect(logged.map { $0["status"] } == [.number(200), .number(404)])
            #expect(logged.allSatisfy { $0["route"] == .string(Self.score + "/:leadId") })
            #expect(!lines.lines.contains { $0.contains("987654") || $0.contains(url) })
        }
    }

    @Test func requestIDsAcceptedFromClients() {
        let accepted = ["a", "3f2b9c1e-7a4d-4e0b-9c55-0e4a1b2c3d4e", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                        "dGVzdA==", "svc@host:1/x_y.z+w", String(repeating: "a", count: 128)]
        let refused = ["", " ", "a b", "a\"b", "a\\b", "a\nb", "a\r\nX-Evil: 1", "ü", "a,b", "a;b", "{}", "<script>", String(repeating: "a", count: 129)]
        for id in accepted { #expect(RequestID.accepts(id), "\(id)") }
        for id in refused { #expect(!RequestID.accepts(id), "\(id)") }
        let made = RequestID.generated(loop: 3, number: 1207).text
        #expect(made == RequestID.processPrefix + "-3-1207" && RequestID.accepts(made))
        #expect(RequestID.client("abc").text == "abc")
        for value in [0, 7, 10, 99, 1_000_000, Int.max] {
            var bytes: [UInt8] = []
            ServiceLog.appendDecimal(value, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
    }

    @Test func eventFieldsInText() {
        let lines = LogLines()
        lines.serviceLog(.text).event(.warning, "test_event", "two\nlines", [("plain", .string("word")), ("spaced", .string("a \"b\"")),
                                                                           ("n", .integer(3)), ("list", .strings(["x", "y"]))])
        #expect(lines.lines.count == 1)
        #expect(lines.lines.first?.wholeMatch(of: /\S+Z warning test_event two lines plain=word spaced="a \\"b\\"" n=3 list=x,y/) != nil,
                "\(lines.lines)")
    }

    /// `mlctl serve --log-format json`: the startup event, with nothing secret in it.
    @Test func serveLogsItsStartupAsJSON() throws {
        let root = TestPaths.temporaryDirectory("mlctl-log-serve")
        defer { try? FileManager.default.removeItem(at: root) }
        let tokenFile = root.appendingPathComponent("token")
        let token = "startup-secret-token-0123456789"
        try token.write(to: tokenFile, atomically: true, encoding: .utf8)
        let server = try ServeProcess(["serve", "--models", fixture.registry.path, "--port", "0", "--threads", "1", "--log-format", "json",
                                       "--admin-token-file", tokenFile.path])
        let status = server.terminate()
        #expect(status == 0)
        let line = try #require(server.startupOutput.split(separator: "\n").last { $0.contains("\"startup\"") }, "\(server.startupOutput)")
        let event = try #require(try? JSONParser.parse(Array(line.utf8)), "\(line)")
        #expect(event["level"] == .string("info") && event["version"] == .string(MLCTLVersion.current))
        #expect(event["port"] == .number(Double(server.port)) && event["threads"] == .number(1))
        #expect(event["models"] == .array([.string("gbdt"), .string("global"), .string("pc")]))
        #expect(event["adminRoutes"] == .string("enabled") && event["database"] == .string("not configured"))
        #expect(!server.startupOutput.contains(token))
        let refused = try CommandRunner.run(["serve", "--models", fixture.registry.path, "--log-format", "xml"])
        #expect(refused.status == 2 && refused.standardError.contains("text, json"))
    }
}
