import Core
import Foundation
import Testing
@testable import Serving
import TestSupport
import Training

/// The whole service over loopback: real sockets, the registry of ``ServingFixture``.
@Suite(.serialized) struct ServingEndToEndTests {
    let fixture = ServingFixture.shared

    @Test func scoresALeadFromItsBody() throws {
        let (server, service) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let lead = fixture.leads[7], agent = fixture.agents.first { $0.id == lead.agentId }
        let response = try client.request("POST", "/api/v1/lead-scoring-ml/score", body: ServingFixture.body(for: lead, agent: agent))
        #expect(response.status == 200, "\(response.text)")
        let json = try #require(response.json)
        guard case .number(let score)? = json["score"], case .array(let factors)? = json["topFactors"],
              case .number(let confidence)? = json["confidence"], case .string(let level)? = json["qualityLevel"] else {
            Issue.record(Comment(rawValue: "unexpected body \(response.text)"))
            return
        }
        #expect(json["leadId"] == .number(Double(lead.id)))
        #expect(score > 0 && score < 1 && confidence >= 0 && confidence <= 1)
        #expect(Self.qualityLevelNames.contains(level))
        #expect(factors.count == 5)
        // The same lead scored in-process: the HTTP path adds nothing and loses nothing.
        let expected = try LeadScorer.score(lead: lead, agent: agent, catalog: service.catalog,
                                            useVerticalModel: true, factors: 0)
        #expect(score == expected.score)
        let modelVersion = json["modelVersion"]
        #expect(modelVersion == .string(lead.vertical == "pc" ? "v1/pc" : "v1/global"))
        // Contributions are sorted by size and their sign gives the direction.
        let contributions = factors.compactMap { factor -> Double? in
            if case .number(let c)? = factor["contribution"] { return c }
            return nil
        }
        #expect(contributions.map(abs) == contributions.map(abs).sorted(by: >))
        for factor in factors {
            if case .number(let c)? = factor["contribution"] { #expect(factor["direction"] == .string(c > 0 ? "increases" : "decreases")) }
            if case .string(let name)? = factor["feature"] { #expect(factor["label"] == .string(ScoreFactor.readableName(name))) }
        }
        // Forcing the global model and asking for no factors.
        let global = try client.request("POST", "/api/v1/lead-scoring-ml/score?factors=0",
                                         body: ServingFixture.body(for: lead, agent: agent).dropLast() + ",\"useVerticalModel\":false}")
        #expect(global.json?["modelVersion"] == .string("v1/global"))
        #expect(global.json?["topFactors"] == .array([]))
    }

    static let qualityLevelNames: Set<String> = ["High", "Medium", "Low", "Very Low"]

    @Test func explanationsAddUpToTheCalibratedLogOdds() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        // Every model kind: the ensemble (global), the logistic model (pc), the trees (gbdt).
        let instance = "{\"instances\": [{\"quote_requested\": 1, \"pages_visited\": 4, \"source\": \"referral\", \"vertical\": \"health\"}, {}], \"contributions\": true}"
        for name in ["global", "pc", "gbdt"] {
            let response = try client.request("POST", "/api/v1/models/\(name)/predict", body: instance)
            #expect(response.status == 200, "\(name): \(response.text)")
            guard case .array(let predictions)? = response.json?["predictions"], predictions.count == 2 else {
                Issue.record(Comment(rawValue: "\(name): \(response.text)"))
                continue
            }
            for prediction in predictions {
                guard case .number(let p)? = prediction["score"], case .number(let bias)? = prediction["bias"],
                      case .object(let members)? = prediction["contributions"] else {
                    Issue.record(Comment(rawValue: "\(name): \(response.text)"))
                    continue
                }
                let sum = members.reduce(bias) { total, member in
                    if case .number(let c) = member.value { return total + c }
                    return total
                }
                #expect(abs(sum - log(p / (1 - p))) < 1e-9, "\(name): Σ contributions + bias = logit(score)")
            }
        }
    }

    @Test func batchScoringKeepsOrderAndLimits() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let leads = fixture.leads.prefix(20)
        let entries = leads.map { lead in ServingFixture.body(for: lead, agent: fixture.agents.first { $0.id == lead.agentId }) }
        let response = try client.request("POST", "/api/v1/lead-scoring-ml/score-batch", body: "{\"leads\": [\(entries.joined(separator: ","))]}")
        #expect(response.status == 200)
        guard case .array(let results)? = response.json?["results"] else { Issue.record(Comment(rawValue: response.text)); return }
        let expectedIDs: [JSONValue?] = leads.map { JSONValue.number(Double($0.id)) }
        #expect(results.map { $0["leadId"] } == expectedIDs)
        let tooMany = "{\"leads\": [" + Array(repeating: "{}", count: 51).joined(separator: ",") + "]}"
        let refused = try client.request("POST", "/api/v1/lead-scoring-ml/score-batch", body: tooMany)
        #expect(refused.status == 422 && refused.text.contains("at most 50"))
        let badEntry = try client.request("POST", "/api/v1/lead-scoring-ml/score-batch", body: "{\"leads\": [{\"vertical\": \"pc\"}, {\"vertical\": \"pc\", \"pages_visited\": \"many\"}]}")
        #expect(badEntry.status == 422 && badEntry.text.contains("leads[1].pages_visited"), "\(badEntry.text)")
    }

    /// Each hostile or malformed request gets its status, and the server keeps serving.
    @Test func badRequestsGetTheRightStatus() throws {
        let (server, _) = try ServingFixture.start { $0.limits = HTTPRequestParser.Limits(maxHeadBytes: 4096, maxHeaderCount: 50, maxBodyBytes: 64 * 1024) }
        defer { server.stop(); server.wait() }
        let score = "/api/v1/lead-scoring-ml/score"
        let cases: [(String, String, [String: String], Int, String?)] = [
            ("GET", "/nowhere", [:], 404, "not_found"),
            ("GET", score, [:], 405, "method_not_allowed"),
            ("POST", "/api/v1/lead-scoring-ml/models/reload", [:], 404, "not_found"),  // admin routes off without a token
            ("POST", score, [:], 400, "missing_body"),
            ("POST", score, ["Content-Type": "text/plain"], 415, "unsupported_media_type"),
            ("POST", score + "/12abc", [:], 400, "invalid_lead_id"),
            ("POST", score + "/5", [:], 503, "database_not_configured"),
            ("POST", "/api/v1/models/nope/predict", [:], 404, "model_not_found"),
        ]
        for (method, path, headers, status, code) in cases {
            let client = try TestHTTPClient(port: server.port)
            let body: String? = method == "POST" && path != score ? "{}" : (headers.isEmpty ? nil : "{}")
            let response = try client.request(method, path, body: body, headers: headers)
            #expect(response.status == status, "\(method) \(path): \(response.text)")
            #expect(response.errorCode == code)
            if status == 405 { #expect(response.headers["allow"] == "POST") }
        }
        let bodies: [(String, Int, String)] = [
            ("{\"lead\": ", 400, "invalid_json"),
            ("{\"lead\": {\"vertical\": \"pc\", \"pages_visited\": NaN}}", 400, "invalid_json"),
            ("{\"lead\": {\"vertical\": \"pc\", \"pages_visited\": 1e999}}", 422, "lead.pages_visited"),
            ("{\"lead\": {\"vertical\": \"pc\", \"time_on_site_s\": 1e300}}", 422, "lead.time_on_site_s"),  // finite, but beyond Float
            ("{\"lead\": {\"vertical\": \"pc\", \"revenue\": -1e39}}", 422, "lead.revenue"),
            ("{\"lead\": {\"vertical\": \"pc\"}, \"agent\": {\"id\": 3, \"avg_response_time_s\": 1e300}}", 422, "agent.avg_response_time_s"),
            ("{\"lead\": {\"vertical\": \"pc\", \"pages_visited\": [3]}}", 422, "lead.pages_visited"),
            ("{\"lead\": {\"vertical\": \"pc\", \"form_completed\": \"perhaps\"}}", 422, "lead.form_completed"),
            ("{\"lead\": {\"vertical\": \"pc\", \"created_at\": \"yesterday\"}}", 422, "lead.created_at"),
            ("{\"lead\": {\"vertical\": \"pc\"}, \"agent\": {\"rating\": {}}}", 422, "agent.rating"),
            ("{\"lead\": {\"vertical\": \"pc\"}, \"useVerticalModel\": \"no\"}", 422, "useVerticalModel"),
            ("[1, 2]", 422, "body"),
            ("{\"nolead\": 1}", 422, "nolead"),
            ("{\"lead\": {\"vertical\": \"pc\", \"pagesVisited\": 3}}", 422, "lead.pagesVisited"),
            ("{\"lead\": {\"vertical\": \"auto\"}}", 422, "lead.vertical"),
            ("{\"lead\": {\"vertical\": \"pc\", \"created_at\": -1e300}}", 422, "lead.created_at"),
            (String(repeating: "[", count: 500) + String(repeating: "]", count: 500), 400, "nesting"),
        ]
        for (body, status, mention) in bodies {
            let client = try TestHTTPClient(port: server.port)
            let response = try client.request("POST", score, body: body)
            #expect(response.status == status, "\(body.prefix(60)): \(response.text)")
            #expect(response.text.contains(mention), "\(body.prefix(60)): \(response.text)")
        }
        // Not UTF-8.
        let client = try TestHTTPClient(port: server.port)
        let invalid = Array("{\"lead\": {\"a\": \"".utf8) + [0xFF] + Array("\"}}".utf8)
        try client.send(Array("POST \(score) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(invalid.count)\r\n\r\n".utf8) + invalid)
        let notUTF8 = try client.readResponse()
        #expect(notUTF8.status == 400 && notUTF8.text.contains("UTF-8"), "\(notUTF8.text)")
        // Protocol-level rejections close the connection.
        for (raw, status) in [("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
                              ("POST \(score) HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n", 413),
                              ("GET / HTTP/1.1\r\nHost: x\r\nX: \(String(repeating: "y", count: 5000))\r\n\r\n", 431),
                              ("BLAH\r\n\r\n", 400)] {
            let client = try TestHTTPClient(port: server.port)
            try client.send(raw)
            let response = try client.readResponse()
            #expect(response.status == status, "\(raw.prefix(40))")
            #expect(response.headers["connection"] == "close")
            #expect(client.isClosedByServer())
        }
        // Still serving, and nothing leaked into error bodies.
        let after = try TestHTTPClient(port: server.port).request("GET", "/health")
        #expect(after.status == 200)
    }

    @Test func keepAliveAndPipelining() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let lead = ServingFixture.body(for: fixture.leads[0], agent: nil)
        let post = "POST /api/v1/lead-scoring-ml/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(lead.utf8.count)\r\n\r\n\(lead)"
        try client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + post + "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /ready HTTP/1.1\r\nHost: x\r\n\r\n")
        let statuses = try (0..<4).map { _ in try client.readResponse().status }
        #expect(statuses == [200, 200, 404, 200])
        // The same connection goes on serving.
        for _ in 0..<20 { #expect(try client.request("GET", "/health").status == 200) }
    }

    @Test func slowAndIdleClientsAreCutOff() throws {
        let (server, _) = try ServingFixture.start {
            $0.readTimeout = 0.5
            $0.idleTimeout = 1
            $0.maxConnections = 40
            $0.threads = 2
        }
        defer { server.stop(); server.wait() }
        // A request that never completes: 408, connection closed.
        let slow = try TestHTTPClient(port: server.port)
        try slow.send("POST /api/v1/lead-scoring-ml/score HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"lead\"")
        let timedOut = try slow.readResponse()
        #expect(timedOut.status == 408)
        #expect(slow.isClosedByServer())
        // Many idle connections do not stop others from being served…
        let idle = try (0..<30).map { _ in try TestHTTPClient(port: server.port) }
        #expect(try TestHTTPClient(port: server.port).request("GET", "/health").status == 200)
        // …past the connection limit, new ones get 503 at once…
        let extra = try (0..<12).map { _ in try TestHTTPClient(port: server.port, timeout: 2) }
        let refused = extra.compactMap { try? $0.readResponse() }.filter { $0.status == 503 }
        #expect(refused.count >= 2)
        // …and idle ones are closed after the idle timeout, freeing their slots.
        #expect(idle.allSatisfy { $0.isClosedByServer() })
        #expect(try TestHTTPClient(port: server.port).request("GET", "/health").status == 200)
    }

    @Test func sustainedLoadHasNoErrors() async throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let port = server.port
        let bodies = fixture.leads.prefix(50).map { ServingFixture.body(for: $0, agent: nil) }
        let failures = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    guard let client = try? TestHTTPClient(port: port) else { return 300 }
                    var failures = 0
                    for i in 0..<300 {
                        let status = (try? client.request("POST", "/api/v1/lead-scoring-ml/score", body: bodies[(i + worker) % bodies.count]).status) ?? 0
                        if status != 200 { failures += 1 }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }

    /// Replies to the requests of one event-loop batch are sent together: with many
    /// connections sending at once, each must still get the reply to its own request.
    @Test func manyConnectionsAtOnceEachGetTheirOwnReply() throws {
        let (server, _) = try ServingFixture.start { $0.threads = 2 }
        defer { server.stop(); server.wait() }
        let leads = Array(fixture.leads.prefix(48))
        let expected = try leads.map { lead in
            try TestHTTPClient(port: server.port)
                .request("POST", "/api/v1/lead-scoring-ml/score?factors=0", body: ServingFixture.body(for: lead, agent: nil)).json
        }
        let clients = try leads.map { _ in try TestHTTPClient(port: server.port) }
        for round in 0..<3 {
            for (client, lead) in zip(clients, leads) {
                let body = ServingFixture.body(for: lead, agent: nil)
                try client.send("POST /api/v1/lead-scoring-ml/score?factors=0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
            }
            for (k, client) in clients.enumerated() {
                let reply = try client.readResponse()
                #expect(reply.status == 200)
                #expect(reply.json?["leadId"] != nil && reply.json?["leadId"] == expected[k]?["leadId"], "round \(round), connection \(k)")
                #expect(reply.json?["score"] != nil && reply.json?["score"] == expected[k]?["score"], "round \(round), connection \(k)")
            }
        }
    }

    @Test func gracefulShutdownFinishesInFlightRequests() throws {
        let (server, _) = try ServingFixture.start()
        let client = try TestHTTPClient(port: server.port)
        let body = ServingFixture.body(for: fixture.leads[3], agent: nil)
        try client.send("POST /api/v1/lead-scoring-ml/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.2)
        server.stop()
        Thread.sleep(forTimeInterval: 0.2)
        try client.send(body)
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "close")
        server.wait()
        #expect(throws: (any Error).self) { try TestHTTPClient(port: server.port).request("GET", "/health") }
    }

    @Test func modelsMetricsAndDrift() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let models = try client.request("GET", "/api/v1/lead-scoring-ml/models")
        #expect(models.status == 200)
        #expect(models.json?["global"] == .string("global"))
        #expect(models.json?["verticals"] == .object([("pc", .string("pc"))]))
        // Score leads from a shifted population: everyone spent an hour on 40 pages.
        for lead in fixture.leads.prefix(150) {
            var shifted = lead
            shifted.pagesVisited = 40
            shifted.timeOnSiteSeconds = 3600
            shifted.vertical = "health"
            _ = try client.request("POST", "/api/v1/lead-scoring-ml/score?factors=0", body: ServingFixture.body(for: shifted, agent: nil))
        }
        let drift = try client.request("GET", "/api/v1/lead-scoring-ml/drift")
        guard case .array(let entries)? = drift.json?["models"], let global = entries.first(where: { $0["model"] == .string("global") }),
              case .array(let features)? = global["features"] else {
            Issue.record(Comment(rawValue: drift.text))
            return
        }
        #expect(global["observations"] == .number(150) && global["version"] == .string("v1/global"))
        let pages = features.first { $0["feature"] == .string("pages_visited") }
        #expect(pages?["level"] == .string("alert"), "\(String(describing: pages))")
        let state = features.first { $0["feature"] == .string("has_state") }
        #expect(state?["level"] == .string("stable"), "\(String(describing: state))")
        let metrics = try client.request("GET", "/metrics")
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(metrics.text.contains("mlctl_http_requests_total{route=\"/api/v1/lead-scoring-ml/score\",status=\"200\"} 150"))
        #expect(metrics.text.contains("mlctl_model_info{model=\"global\",version=\"v1/global\",kind=\"ensemble\"} 1"))
        #expect(metrics.text.contains("mlctl_feature_drift_psi{model=\"global\",feature=\"pages_visited\"}"))
        #expect(metrics.text.contains("mlctl_http_request_duration_seconds_bucket{route=\"/api/v1/lead-scoring-ml/score\",le=\"+Inf\"} 150"))
        // What an operator needs beside the scores (issue #26): the build, the process, and how
        // many inputs each PSI rests on.
        #expect(metrics.text.contains("mlctl_build_info{version=\"\(MLCTLVersion.current)\"} 1"))
        #expect(metrics.text.contains("mlctl_drift_observations{model=\"global\"} 150"))
        // Scores by model version: the quality levels add up to the leads scored, and the
        // histogram of served probabilities counts them all.
        let byLevel = metrics.text.split(separator: "\n").filter { $0.hasPrefix("mlctl_scores_total{model=\"v1/global\"") }
        #expect(byLevel.count == 4 && byLevel.compactMap { Int($0.split(separator: " ").last!) }.reduce(0, +) >= 150, "\(byLevel)")
        #expect(metrics.text.contains("mlctl_score_bucket{model=\"v1/global\",le=\"+Inf\"} "))
        let count = metrics.text.split(separator: "\n").first { $0.hasPrefix("mlctl_score_count{model=\"v1/global\"}") }
        #expect((count.flatMap { Int($0.split(separator: " ").last!) } ?? 0) == byLevel.compactMap { Int($0.split(separator: " ").last!) }.reduce(0, +))
        for series in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds"] {
            let line = metrics.text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            #expect((line.flatMap { Double($0.split(separator: " ")[1]) } ?? 0) > 0, "\(series): \(String(describing: line))")
        }
    }

    @Test func adminReloadSwapsModelsAndRefusesBadOnes() throws {
        // A private copy of the registry, so that this test can change it.
        let root = TestPaths.temporaryDirectory("mlctl-reload")
        defer { try? FileManager.default.removeItem(at: root) }
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.copyItem(at: fixture.registry, to: root)
        let token = "s3cret-token-for-tests-0123456789"
        let (server, _) = try ServingFixture.start(models: root, adminToken: token)
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let reload = "/api/v1/lead-scoring-ml/models/reload"
        #expect(try client.request("POST", reload).status == 401)
        #expect(try client.request("POST", reload, headers: ["Authorization": "Bearer wrong"]).status == 401)
        let auth = ["Authorization": "Bearer \(token)"]
        // A new version (without its pc model) becomes current: reload picks it up.
        let registry = ModelRegistry(root: root)
        let v2 = try registry.addVersion { directory in
            for name in ["global", "gbdt"] {
                try FileManager.default.copyItem(at: registry.directory(of: "v1").appendingPathComponent(name), to: directory.appendingPathComponent(name))
            }
        }
        try registry.promote(v2)
        let reloaded = try client.request("POST", reload, headers: auth)
        #expect(reloaded.status == 200, "\(reloaded.text)")
        #expect(try client.request("GET", "/api/v1/lead-scoring-ml/models").json?["version"] == .string("v2"))
        // A corrupt bundle is refused; v2 stays in service.
        let v3 = try registry.addVersion { directory in
            for name in ["global", "gbdt"] {
                try FileManager.default.copyItem(at: registry.directory(of: "v1").appendingPathComponent(name), to: directory.appendingPathComponent(name))
            }
            let model = directory.appendingPathComponent("global/model.json")
            var data = try Data(contentsOf: model)
            data[data.count / 2] ^= 1
            try data.write(to: model)
        }
        try registry.promote(v3)
        let refused = try client.request("POST", reload, headers: auth)
        #expect(refused.status == 409)
        #expect(!refused.text.contains(root.path), "error bodies carry no file paths")
        #expect(try client.request("GET", "/api/v1/lead-scoring-ml/models").json?["version"] == .string("v2"))
        // So is a hand-edited one whose checksum was updated to match: its first tree's root is
        // its own left child, a cycle that would hang every request it scored.
        let v4 = try registry.addVersion { directory in
            for name in ["global", "gbdt"] {
                try FileManager.default.copyItem(at: registry.directory(of: "v1").appendingPathComponent(name), to: directory.appendingPathComponent(name))
            }
            let model = directory.appendingPathComponent("global/model.json"), manifest = directory.appendingPathComponent("global/manifest.json")
            let original = try Data(contentsOf: model)
            let text = String(decoding: original, as: UTF8.self)
            let cyclic = text.replacingCharacters(in: try #require(text.range(of: "\"left\":[1,")), with: "\"left\":[0,")
            try Data(cyclic.utf8).write(to: model)
            let manifestText = try String(contentsOf: manifest, encoding: .utf8)
                .replacingOccurrences(of: SHA256.hex(original), with: SHA256.hex(Array(cyclic.utf8)))
            try Data(manifestText.utf8).write(to: manifest)
            let error = try #require(throws: BundleError.self) { try ModelBundle.read(from: directory.appendingPathComponent("global")) }
            #expect(error.message.hasSuffix("tree 0 node 0: left child 0 is reached a second time (a cycle, or a node with two parents)"))
        }
        try registry.promote(v4)
        #expect(try client.request("POST", reload, headers: auth).status == 409)
        #expect(try client.request("GET", "/api/v1/lead-scoring-ml/models").json?["version"] == .string("v2"))
        #expect(try client.request("POST", "/api/v1/lead-scoring-ml/score", body: "{\"lead\": {\"vertical\": \"pc\"}}").status == 200)
    }

    @Test func refusesToStartWithoutValidModels() throws {
        let empty = TestPaths.temporaryDirectory("mlctl-empty")
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: (any Error).self) { try ScoringService(configuration: ScoringServiceConfiguration(modelsDirectory: empty)) }
        #expect(throws: (any Error).self) {
            try ScoringService(configuration: ScoringServiceConfiguration(modelsDirectory: empty.appendingPathComponent("missing")))
        }
        let corrupt = TestPaths.temporaryDirectory("mlctl-corrupt")
        defer { try? FileManager.default.removeItem(at: corrupt) }
        try? FileManager.default.removeItem(at: corrupt)
        try FileManager.default.copyItem(at: fixture.registry.appendingPathComponent("versions/v1/gbdt"), to: corrupt)
        try Data("{}".utf8).write(to: corrupt.appendingPathComponent("model.json"))
        #expect(throws: (any Error).self) { try ScoringService(configuration: ScoringServiceConfiguration(modelsDirectory: corrupt)) }
    }

    @Test func readableFeatureNames() {
        #expect(ScoreFactor.readableName("time_on_site_s") == "Time on site (s)")
        #expect(ScoreFactor.readableName("engagement_x_completeness") == "Engagement × completeness")
        #expect(ScoreFactor.readableName("source") == "Source")
        #expect(ScoreFactor.readableName("s") == "S")
    }

    @Test func constantTimeComparison() {
        #expect(ScoringService.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ScoringService.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ScoringService.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!ScoringService.constantTimeEqual([], Array("a".utf8)))
    }
}
