import Database
import Foundation
import Leads
import Testing
@testable import Serving
import TestSupport
import Training

/// Scoring leads by id against a real PostgreSQL server of the test's own, which the test
/// stops and restarts.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct ServingDatabaseTests {
    @Test func scoresByIDWritesBackAndSurvivesTheDatabaseGoingAway() throws {
        let fixture = ServingFixture.shared
        let postgres = try DedicatedPostgres()
        let db = try PostgresConnection(url: postgres.url)
        try ServiceSchema.migrate(db)
        let leads = Array(fixture.leads.prefix(40))
        try LeadStore.insert(agents: fixture.agents, leads: leads, into: db)

        let log = LogLines()
        let (server, _) = try ServingFixture.start(databaseURL: postgres.url, serviceLog: log.serviceLog(.json))
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        #expect(try client.request("GET", "/ready").status == 200)

        // By id: scored, written back durably.
        let lead = leads[5]
        let byID = try client.request("POST", "/api/v1/lead-scoring-ml/score/\(lead.id)")
        #expect(byID.status == 200, "\(byID.text)")
        guard case .number(let score)? = byID.json?["score"], case .string(let level)? = byID.json?["qualityLevel"],
              case .string(let version)? = byID.json?["modelVersion"] else {
            Issue.record(Comment(rawValue: byID.text))
            return
        }
        let stored = try db.query("SELECT ml_score, ml_quality, ml_model_version, scored_at IS NOT NULL AS scored FROM leads WHERE id = $1", [String(lead.id)])
        #expect(stored.value(0, "ml_score").flatMap(Double.init) == score)
        #expect(stored.value(0, "ml_quality") == level)
        #expect(stored.value(0, "ml_model_version") == version)
        #expect(stored.value(0, "scored") == "t")

        // The same lead as row_to_json gives it, in the body: the same score, nothing written.
        let leadJSON = try db.query("SELECT row_to_json(l)::text FROM leads l WHERE id = $1", [String(lead.id)]).rows[0][0]!
        let agentJSON = try lead.agentId.flatMap { try db.query("SELECT row_to_json(a)::text FROM agents a WHERE id = $1", [String($0)]).rows.first?[0] }
        let body = "{\"lead\": \(leadJSON)" + (agentJSON.map { ", \"agent\": \($0)" } ?? "") + "}"
        let byBody = try client.request("POST", "/api/v1/lead-scoring-ml/score", body: body)
        #expect(byBody.status == 200, "\(byBody.text)")
        #expect(byBody.json?["score"] == .number(score))

        // Unknown and invalid ids.
        #expect(try client.request("POST", "/api/v1/lead-scoring-ml/score/987654").status == 404)
        #expect(try client.request("POST", "/api/v1/lead-scoring-ml/score/-3").status == 400)
        #expect(try client.request("POST", "/api/v1/lead-scoring-ml/score/1%27%3B%20DROP%20TABLE%20leads").status == 400)

        // The database stops: database routes answer 503, body scoring goes on.
        try postgres.stop()
        let down = try client.request("POST", "/api/v1/lead-scoring-ml/score/\(lead.id)")
        #expect(down.status == 503, "\(down.text)")
        #expect(!down.text.contains("postgres") && !down.text.contains("127.0.0.1"))
        #expect(try client.request("GET", "/ready").status == 503)
        #expect(try client.request("POST", "/api/v1/lead-scoring-ml/score", body: body).status == 200)

        // It comes back: the service recovers by itself.
        try postgres.start()
        var recovered = false
        for _ in 0..<40 where !recovered {
            recovered = try client.request("POST", "/api/v1/lead-scoring-ml/score/\(leads[6].id)").status == 200
            if !recovered { Thread.sleep(forTimeInterval: 0.25) }
        }
        #expect(recovered)
        // Both changes are log events, once each, without the URL (or its password).
        let events = log.objects.compactMap { $0?["event"] }
        #expect(events.filter { $0 == .string("database_lost") }.count == 1, "\(log.lines)")
        #expect(events.filter { $0 == .string("database_recovered") }.count == 1, "\(log.lines)")
        #expect(events.firstIndex(of: .string("database_lost"))! < events.firstIndex(of: .string("database_recovered"))!)
        #expect(!log.lines.contains { $0.contains(postgres.url) })
        let metrics = try client.request("GET", "/metrics").text
        #expect(metrics.contains("mlctl_database_errors_total") && !metrics.contains("mlctl_database_errors_total 0"))
    }

    /// A by-id request whose write-back waits on a row lock holds up neither the event loop's
    /// other connections nor body scoring (one event loop, so they share it), and is answered,
    /// with its score stored, once the lock goes.
    @Test func aSlowDatabaseDelaysOnlyByIDRequests() throws {
        let fixture = ServingFixture.shared
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let leads = Array(fixture.leads.prefix(10))
            try LeadStore.insert(agents: fixture.agents, leads: leads, into: db)
            let (server, _) = try ServingFixture.start(databaseURL: url) { $0.threads = 1 }
            defer { server.stop(); server.wait() }
            let locker = try PostgresConnection(url: url)
            try locker.query("BEGIN")
            try locker.query("SELECT id FROM leads WHERE id = $1 FOR UPDATE", [String(leads[3].id)])
            let slow = try TestHTTPClient(port: server.port), other = try TestHTTPClient(port: server.port, timeout: 5)
            try slow.send("POST /api/v1/lead-scoring-ml/score/\(leads[3].id) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.2)  // its write-back is now waiting for the lock
            let started = Date()
            #expect(try other.request("GET", "/health").status == 200)
            #expect(try other.request("POST", "/api/v1/lead-scoring-ml/score/\(leads[4].id)").status == 200)  // another row: no wait
            #expect(Date().timeIntervalSince(started) < 2, "the loop waited for the locked row")
            #expect(try db.query("SELECT ml_score IS NULL FROM leads WHERE id = $1", [String(leads[3].id)]).rows[0][0] == "t")
            try locker.query("COMMIT")
            let reply = try slow.readResponse()
            #expect(reply.status == 200, "\(reply.text)")
            #expect(try db.query("SELECT ml_score IS NOT NULL FROM leads WHERE id = $1", [String(leads[3].id)]).rows[0][0] == "t")
        }
    }
}
