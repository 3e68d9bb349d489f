import Database
import Experiments
import Foundation
import Leads
import Testing
@testable import Serving
import TestSupport

/// The service over a database damaged the way a schema change or a bad write would leave it
/// (a NULL where the schema promised none, a value outside its column's domain, a renamed or
/// dropped column). Each route that reads the damage answers 503 with a JSON error, logs the
/// reason, and writes nothing; the others answer as usual, and the server keeps serving.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct DamagedDatabaseTests {
    /// The routes, called in this order (the create before the stop, the by-id score before
    /// the create, whose test would then be the running one).
    enum Route: String, CaseIterable, Sendable {
        case list, results, assign, score, create, stop
    }

    struct Damage: Sendable, CustomTestStringConvertible {
        var name: String
        /// Run after the setup; `LEAD` is the id of the lead the score route asks for.
        var sql: String
        /// The routes that must answer 503; the others answer as on a healthy database.
        var failing: Set<Route>
        /// What the log line of a 503 names (the column).
        var logged: String
        var testDescription: String { name }
    }

    /// Drops every CHECK constraint of `table`, so that a bad write gets through.
    static func withoutChecks(_ table: String) -> String {
        """
        DO $$ DECLARE c text; BEGIN
            FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = '\(table)'::regclass AND contype = 'c' LOOP
                EXECUTE format('ALTER TABLE \(table) DROP CONSTRAINT %I', c);
            END LOOP;
        END $$;
        """
    }

    static let readingTheTest: Set<Route> = [.list, .results, .score, .stop]

    static let damages: [Damage] = [
        Damage(name: "NULL split", sql: "ALTER TABLE ab_test_arms ALTER COLUMN percent DROP NOT NULL; UPDATE ab_test_arms SET percent = NULL",
               failing: readingTheTest.union([.assign]), logged: "arms"),
        Damage(name: "split outside 1-99", sql: withoutChecks("ab_test_arms") + "UPDATE ab_test_arms SET percent = 150 WHERE position = 0",
               failing: readingTheTest.union([.assign]), logged: "arms"),
        Damage(name: "unknown arm model", sql: withoutChecks("ab_test_arms") + "UPDATE ab_test_arms SET scorer = 'v1; DROP' WHERE position = 1",
               failing: readingTheTest.union([.assign]), logged: "arms"),
        Damage(name: "NULL control percent of a test without arms",
               sql: "DELETE FROM ab_test_arms; ALTER TABLE ab_tests ALTER COLUMN control_percent DROP NOT NULL; UPDATE ab_tests SET control_percent = NULL",
               failing: readingTheTest.union([.assign]), logged: "control_percent"),
        Damage(name: "unknown status", sql: withoutChecks("ab_tests") + "UPDATE ab_tests SET status = 'paused'",
               failing: [.list, .results, .assign, .stop], logged: "status"),  // no running test: the lead is scored by the model
        Damage(name: "unknown metric", sql: withoutChecks("ab_tests") + "UPDATE ab_tests SET primary_metric = 'clicks'",
               failing: readingTheTest, logged: "primary_metric"),
        Damage(name: "unparsable alpha in a text column",
               sql: withoutChecks("ab_tests") + "ALTER TABLE ab_tests ALTER COLUMN alpha TYPE text; UPDATE ab_tests SET alpha = 'five percent'",
               failing: readingTheTest, logged: "alpha"),
        Damage(name: "alpha outside (0, 0.5)", sql: withoutChecks("ab_tests") + "UPDATE ab_tests SET alpha = 2",
               failing: readingTheTest, logged: "alpha"),
        Damage(name: "NULL start", sql: "ALTER TABLE ab_tests ALTER COLUMN started_at DROP NOT NULL; UPDATE ab_tests SET started_at = NULL",
               failing: readingTheTest, logged: "started"),
        Damage(name: "renamed column", sql: "ALTER TABLE ab_tests RENAME COLUMN control_percent TO control_share",
               failing: Set(Route.allCases), logged: "control_percent"),
        Damage(name: "renamed column the assignment does not read", sql: "ALTER TABLE ab_tests RENAME COLUMN minimum_detectable_effect TO mde",
               failing: readingTheTest.union([.create]), logged: "minimum_detectable_effect"),
        Damage(name: "a new test reads back with an unknown status",
               sql: withoutChecks("ab_tests") + "ALTER TABLE ab_tests ALTER COLUMN status SET DEFAULT 'draft'",
               failing: [.create], logged: "status"),
        Damage(name: "unknown variant", sql: withoutChecks("ab_assignments") + """
               UPDATE ab_assignments SET variant = 'both';
               INSERT INTO ab_assignments (test_name, lead_id, variant) VALUES ('ml_v2', 999999, 'both')
               """,
               failing: [.results, .assign], logged: "variant"),
        Damage(name: "NULL assignment time",
               sql: "ALTER TABLE ab_assignments ALTER COLUMN assigned_at DROP NOT NULL; UPDATE ab_assignments SET assigned_at = NULL",
               failing: [.results], logged: "day"),
        Damage(name: "NULL vertical of a lead",
               sql: "ALTER TABLE leads ALTER COLUMN vertical DROP NOT NULL; UPDATE leads SET vertical = NULL WHERE id = LEAD",
               failing: [.score], logged: "vertical"),
        Damage(name: "unparsable pages_visited in a text column",
               sql: "ALTER TABLE leads ALTER COLUMN pages_visited TYPE text; UPDATE leads SET pages_visited = 'many' WHERE id = LEAD",
               failing: [.score], logged: "pages_visited"),
        Damage(name: "renamed leads column", sql: "ALTER TABLE leads RENAME COLUMN vertical TO line_of_business",
               failing: [.score, .results], logged: "vertical"),  // the results break down by vertical
        Damage(name: "dropped agents column", sql: "ALTER TABLE agents DROP COLUMN rating",
               failing: [.score], logged: "rating"),
    ]

    @Test(arguments: damages) func aDamagedDatabaseIsA503NotACrash(_ damage: Damage) throws {
        let fixture = ServingFixture.shared
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let leads = Array(fixture.leads.prefix(20))
            try LeadStore.insert(agents: fixture.agents, leads: leads, into: db)
            let store = ABTestStore(db)
            _ = try store.create(ABTestDefinition(name: "ml_v2"))
            for lead in leads { _ = try store.assign(testName: "ml_v2", leadID: lead.id) }
            let scored = try #require(leads.first { $0.agentId != nil })
            try db.query(damage.sql.replacingOccurrences(of: "LEAD", with: String(scored.id)))

            let log = LogLines()
            let token = "an-admin-token-of-some-length"
            let (server, _) = try ServingFixture.start(databaseURL: url, adminToken: token, log: { log.append($0) })
            defer { server.stop(); server.wait() }
            let client = try TestHTTPClient(port: server.port)
            let admin = ["Authorization": "Bearer \(token)"]

            for route in Route.allCases {
                let before = try Self.contents(db)
                let response: TestHTTPClient.Response
                let success: Int
                switch route {
                case .list: (response, success) = (try client.request("GET", "/api/v1/ab-testing/tests"), 200)
                case .results: (response, success) = (try client.request("GET", "/api/v1/ab-testing/tests/ml_v2/results"), 200)
                case .assign:
                    (response, success) = (try client.request("POST", "/api/v1/ab-testing/assign/999999", body: #"{"testName": "ml_v2"}"#), 200)
                case .score: (response, success) = (try client.request("POST", "/api/v1/lead-scoring-ml/score/\(scored.id)"), 200)
                case .create:
                    (response, success) = (try client.request("POST", "/api/v1/ab-testing/tests", body: #"{"name": "ml_v3"}"#, headers: admin), 201)
                case .stop: (response, success) = (try client.request("POST", "/api/v1/ab-testing/tests/ml_v2/stop", headers: admin), 200)
                }
                let context = Comment(rawValue: "\(damage.name), \(route): \(response.status) \(response.text.prefix(300))")
                guard damage.failing.contains(route) else {
                    #expect(response.status == success, context)
                    continue
                }
                #expect(response.status == 503, context)
                #expect(["database_error", "database_data_error"].contains(response.errorCode), context)
                #expect(!response.text.contains("SELECT") && !response.text.contains(damage.logged), context)
                #expect(try Self.contents(db) == before, "a 503 wrote to the database: \(context)")
            }
            #expect(try client.request("GET", "/health").status == 200)
            let lines = log.lines
            #expect(lines.contains { $0.contains(damage.logged) }, "\(damage.name): \(lines)")
        }
    }

    /// Everything the routes could write, as text (whatever the tables' columns now are).
    static func contents(_ db: PostgresConnection) throws -> String {
        try db.query("""
            SELECT concat_ws(' | ', (SELECT string_agg(t::text, ', ' ORDER BY t::text) FROM ab_tests t),
                                    (SELECT string_agg(a::text, ', ' ORDER BY a::text) FROM ab_assignments a),
                                    (SELECT string_agg(l::text, ', ' ORDER BY l::text) FROM leads l)) AS contents
            """).first?.text("contents") ?? ""
    }
}
