import Core
import Database
import Evaluation
import Experiments
import Foundation
import Leads
import Testing
@testable import Serving
import TestSupport
import Training

/// A/B tests in PostgreSQL: the store's rules, the assignment recipe in SQL, a simulated test
/// analysed end to end, and the HTTP routes, each on a fresh database of the test server.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct ABTestingDatabaseTests {
    @Test func storeCreatesAssignsAndStopsTestsAsSpecified() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let store = ABTestStore(db)
            #expect(try store.runningTest() == nil)
            var definition = ABTestDefinition(name: "scoring_v2")
            definition.arms = ABArm.controlAndTreatment(controlPercent: 30)
            let test = try store.create(definition)
            #expect(test.status == .running && test.controlPercent == 30 && test.stoppedAt == nil)
            #expect(throws: ABTestError.duplicate("scoring_v2")) { try store.create(definition) }
            definition.name = "other"
            definition.arms[1].percent = 60
            #expect(throws: ABTestError.self) { try store.create(definition) }
            #expect(try store.list().map(\.name) == ["scoring_v2"])
            #expect(try store.runningTest()?.name == "scoring_v2")

            // Assignment: the hash's variant, stored once, the same on every call.
            for id in Int64(1)...200 {
                let first = try store.assign(testName: "scoring_v2", leadID: id)
                #expect(first.arm.name == ABAssignment.variant(testName: "scoring_v2", leadID: id, controlPercent: 30) && first.inTest)
                #expect(try store.assign(testName: "scoring_v2", leadID: id).arm == first.arm)
            }
            #expect(try db.query("SELECT count(*) FROM ab_assignments").rows[0][0] == "200")
            #expect(throws: ABTestError.notFound("nope")) { try store.assign(testName: "nope", leadID: 1) }

            // The documented PostgreSQL expression computes the same buckets.
            let sql = try db.query("""
                SELECT id, (('x' || lpad(substr(encode(sha256(convert_to('scoring_v2' || ':' || id, 'UTF8')), 'hex'), 1, 8), 16, '0'))::bit(64)::bigint) % 10000
                FROM generate_series(1, 500) AS id
                """)
            #expect(sql.rows.allSatisfy { Int($0[1]!) == ABAssignment.bucket(testName: "scoring_v2", leadID: Int64($0[0]!)!) })

            // Stopping keeps the assignments; new leads get the control, unrecorded.
            let stopped = try store.stop("scoring_v2")
            #expect(stopped.status == .stopped && stopped.stoppedAt != nil)
            #expect(throws: ABTestError.alreadyStopped("scoring_v2")) { try store.stop("scoring_v2") }
            #expect(throws: ABTestError.notFound("nope")) { try store.stop("nope") }
            let treated = try #require((Int64(1)...200).first { ABAssignment.variant(testName: "scoring_v2", leadID: $0, controlPercent: 30) == "treatment" })
            #expect(try store.assign(testName: "scoring_v2", leadID: treated) == (stopped.arms[1], true))
            let newcomer = try #require((Int64(1000)...2000).first { ABAssignment.variant(testName: "scoring_v2", leadID: $0, controlPercent: 30) == "treatment" })
            #expect(try store.assign(testName: "scoring_v2", leadID: newcomer) == (stopped.arms[0], false))
            #expect(try db.query("SELECT count(*) FROM ab_assignments").rows[0][0] == "200")
            #expect(try store.runningTest() == nil)
        }
    }

    /// 60,000 leads as `mlctl db seed --ab-test` makes them: the SQL totals agree with the leads
    /// themselves, the split passes the sample-ratio check, and the better treatment is deployed.
    @Test func aSimulatedFinishedTestIsAnalysedAndDeployed() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let generator = SyntheticLeadGenerator(seed: 5, windowEnd: 1_780_000_000, windowDays: 60)
            let agents = generator.agents()
            var leads = generator.leads(0..<60_000, agents: agents)
            let store = ABTestStore(db)
            let test = try store.create(ABTestDefinition(name: "simulated"), startedAt: generator.windowEnd - 60 * 86_400)
            let variants = ABSimulation.apply(to: &leads, testName: test.name, controlPercent: 50, seed: 5)
            try LeadStore.insert(agents: agents, leads: leads, into: db, alsoInTransaction: { db in
                try ABSimulation.insertAssignments(testName: test.name, leads: leads, variants: variants, into: db)
            })
            try store.stop(test.name, at: generator.windowEnd)

            let (stored, analysis) = try store.results(of: "simulated")
            #expect(stored.status == .stopped)
            #expect(analysis.comparisons.count == 1 && analysis.arms.map(\.name) == ["control", "treatment"])
            let comparison = analysis.comparisons[0]
            for (variant, outcome) in zip(["control", "treatment"], analysis.arms) {
                let mine = zip(leads, variants).filter { $0.1 == variant }.map(\.0)
                #expect(outcome.totals.leads == mine.count)
                #expect(outcome.totals.conversions == mine.filter { $0.converted == true }.count)
                #expect(outcome.totals.accepted == mine.filter { $0.accepted == true }.count)
                #expect(abs(outcome.totals.revenue - mine.reduce(0) { $0 + ($1.revenue ?? 0) }) < 0.01)
                let hours = mine.compactMap { lead in lead.convertedAt.map { ($0 - lead.createdAt) / 3600 } }
                #expect(abs(outcome.timeToConversionHours.mean - MeanSample(hours).mean) < 1e-6)
            }
            #expect(analysis.sampleRatio.passed)
            #expect(comparison.relativeLift > 0.05, "lift \(comparison.relativeLift)")
            #expect(analysis.recommendation == .deploy && analysis.winner == "treatment", "\(analysis.reasons)")
            // The looks are daily running totals ending at the final totals.
            #expect(comparison.alwaysValidPValue >= comparison.fixedHorizonPValue)
            #expect(ABResultsReport.text(stored, analysis).contains("Recommendation: DEPLOY"))
            // Per vertical: the same counts, split by the leads' verticals.
            #expect(analysis.verticals.map(\.name) == Set(leads.map(\.vertical)).sorted())
            for (vertical, v) in analysis.verticals {
                for (variant, outcome) in zip(["control", "treatment"], v.arms) {
                    let mine = zip(leads, variants).filter { $0.1 == variant && $0.0.vertical == vertical }.map(\.0)
                    #expect(outcome.totals.leads == mine.count && outcome.totals.conversions == mine.filter { $0.converted == true }.count)
                }
                #expect(v.comparisons.count == 1 && v.verticals.isEmpty)
            }
            let document = try JSONParser.parse(ABResultsReport.json(stored, analysis))
            guard case .array(let byVertical)? = document["verticals"] else { Issue.record("no verticals in the document"); return }
            #expect(byVertical.count == analysis.verticals.count && byVertical.allSatisfy { entry in
                if case .array(let comparisons)? = entry["comparisons"], comparisons.count == 1 { return comparisons[0]["relativeLift"] != nil }
                return false
            })
        }
    }

    @Test func theHTTPRoutesCreateAssignScoreAnalyseAndStop() throws {
        try TestDatabase.withFreshDatabase { url in
            let fixture = ServingFixture.shared
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let leads = Array(fixture.leads.prefix(60))
            try LeadStore.insert(agents: fixture.agents, leads: leads, into: db)
            let token = "an-admin-token-of-some-length"
            let (server, _) = try ServingFixture.start(databaseURL: url, adminToken: token)
            defer { server.stop(); server.wait() }
            let client = try TestHTTPClient(port: server.port)
            let admin = ["Authorization": "Bearer \(token)"]

            // Create: admin only, validated, unique.
            let body = #"{"name": "ml_v2", "description": "rules vs model", "split": {"control": 50, "treatment": 50}, "minimumDetectableEffect": 0.2}"#
            #expect(try client.request("POST", "/api/v1/ab-testing/tests", body: body).status == 401)
            let created = try client.request("POST", "/api/v1/ab-testing/tests", body: body, headers: admin)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json?["status"] == .string("running"))
            #expect(try client.request("POST", "/api/v1/ab-testing/tests", body: body, headers: admin).status == 422)
            let badSplit = try client.request("POST", "/api/v1/ab-testing/tests", body: #"{"name": "x", "split": {"control": 50, "treatment": 40}}"#, headers: admin)
            #expect(badSplit.status == 422 && badSplit.text.contains("split"), "\(badSplit.text)")
            let badMetric = try client.request("POST", "/api/v1/ab-testing/tests", body: #"{"name": "x", "primaryMetric": "clicks"}"#, headers: admin)
            #expect(badMetric.status == 422 && badMetric.text.contains("primaryMetric"))
            let listed = try client.request("GET", "/api/v1/ab-testing/tests")
            #expect(listed.status == 200 && listed.text.contains("\"ml_v2\""))
            #expect(try client.request("DELETE", "/api/v1/ab-testing/tests").status == 405)

            // Assign: stable, as the hash says; unknown test 404; bad body 422.
            let assigned = try client.request("POST", "/api/v1/ab-testing/assign/77", body: #"{"testName": "ml_v2"}"#)
            #expect(assigned.status == 200)
            let expected = ABAssignment.variant(testName: "ml_v2", leadID: 77, controlPercent: 50)
            #expect(assigned.json?["variant"] == .string(expected) && assigned.json?["leadId"] == .number(77) && assigned.json?["testName"] == .string("ml_v2"))
            #expect(try client.request("POST", "/api/v1/ab-testing/assign/77", body: #"{"testName": "ml_v2"}"#).json?["variant"] == .string(expected))
            #expect(try client.request("POST", "/api/v1/ab-testing/assign/77", body: #"{"testName": "nope"}"#).status == 404)
            #expect(try client.request("POST", "/api/v1/ab-testing/assign/77", body: #"{"test": "ml_v2"}"#).status == 422)
            #expect(try client.request("POST", "/api/v1/ab-testing/assign/x7", body: #"{"testName": "ml_v2"}"#).status == 400)

            // Scoring by id while the test runs: each lead by its variant, recorded.
            var seen: Set<String> = []
            for lead in leads.prefix(30) {
                let scored = try client.request("POST", "/api/v1/lead-scoring-ml/score/\(lead.id)")
                #expect(scored.status == 200, "\(scored.text)")
                let variant = ABAssignment.variant(testName: "ml_v2", leadID: lead.id, controlPercent: 50)
                seen.insert(variant)
                #expect(scored.json?["abTest"]?["variant"] == .string(variant))
                guard case .string(let version)? = scored.json?["modelVersion"], case .number(let score)? = scored.json?["score"] else { continue }
                #expect((version == RuleBasedLeadScorer.versionLabel) == (variant == "control"), "\(version)")
                let row = try db.query("""
                    SELECT a.variant, a.score, a.model_version, l.ml_model_version FROM ab_assignments a JOIN leads l ON l.id = a.lead_id
                    WHERE a.test_name = 'ml_v2' AND a.lead_id = $1
                    """, [String(lead.id)])
                #expect(row.rows.first?[0] == variant && row.rows.first?[1].flatMap(Double.init) == score)
                #expect(row.rows.first?[2] == version && row.rows.first?[3] == version)
            }
            #expect(seen == ["control", "treatment"])
            #expect(try client.request("GET", "/metrics").text.contains("mlctl_ab_scores_total{test=\"ml_v2\",variant=\"control\"}"))

            // Results.
            let results = try client.request("GET", "/api/v1/ab-testing/tests/ml_v2/results")
            #expect(results.status == 200, "\(results.text)")
            #expect(results.json?["recommendation"]?["action"] == .string("keep_running"))
            #expect(results.json?["sampleRatio"]?["passed"] != nil && results.json?["variants"] != nil)
            #expect(try client.request("GET", "/api/v1/ab-testing/tests/nope/results").status == 404)

            // Stop: admin only; twice is a conflict; afterwards scoring uses the model again.
            #expect(try client.request("POST", "/api/v1/ab-testing/tests/ml_v2/stop").status == 401)
            let stopped = try client.request("POST", "/api/v1/ab-testing/tests/ml_v2/stop", headers: admin)
            #expect(stopped.status == 200 && stopped.json?["status"] == .string("stopped"), "\(stopped.text)")
            #expect(try client.request("POST", "/api/v1/ab-testing/tests/ml_v2/stop", headers: admin).status == 409)
            #expect(try client.request("POST", "/api/v1/ab-testing/tests/nope/stop", headers: admin).status == 404)
            let after = try client.request("POST", "/api/v1/lead-scoring-ml/score/\(leads[40].id)")
            #expect(after.status == 200 && after.json?["abTest"] == nil && after.json?["modelVersion"] != .string(RuleBasedLeadScorer.versionLabel))
        }
    }

    @Test func adminRoutesDoNotExistWithoutAToken() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        #expect(try client.request("POST", "/api/v1/ab-testing/tests", body: #"{"name": "x"}"#).status == 404)
        #expect(try client.request("POST", "/api/v1/ab-testing/tests/x/stop").status == 404)
        // Without a database the A/B routes answer 503.
        #expect(try client.request("GET", "/api/v1/ab-testing/tests").status == 503)
    }
}
