import Database
import Foundation
import Leads
import Testing
@testable import Serving
import TestSupport
import Training

/// `score-batch`'s engine against a real PostgreSQL: incremental and full runs, filters,
/// shards, dry runs, invalid leads, and scores equal to the HTTP service's.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct BatchScorerTests {
    /// 200 fixture leads, the first 120 created in the last few days, the rest long ago;
    /// plus two impossible ones (an unknown vertical, a negative time on site).
    static func seed(_ url: String) throws -> [LeadRecord] {
        let fixture = ServingFixture.shared
        let now = Date().timeIntervalSince1970
        var leads = Array(fixture.leads.prefix(200))
        for i in leads.indices { leads[i].createdAt = i < 120 ? now - Double(i % 5 + 1) * 86_400 : now - 400 * 86_400 }
        var strange = leads[0], negative = leads[1]
        strange.id = 9001; strange.vertical = "aviation"
        negative.id = 9002; negative.timeOnSiteSeconds = -5
        let db = try PostgresConnection(url: url)
        try ServiceSchema.migrate(db)
        try LeadStore.insert(agents: fixture.agents, leads: leads + [strange, negative], into: db)
        return leads
    }

    static func scoredCount(_ url: String) throws -> Int {
        Int(try PostgresConnection(url: url).query("SELECT count(*) FROM leads WHERE ml_model_version IS NOT NULL").rows[0][0]!)!
    }

    @Test func incrementalRefreshFiltersAndDryRun() throws {
        try TestDatabase.withFreshDatabase { url in
            let leads = try Self.seed(url)
            let catalog = try ModelCatalog.load(from: ServingFixture.shared.registry)
            var options = BatchScoringOptions()
            options.batchSize = 37
            options.dryRun = true
            let dry = try BatchScorer.run(databaseURL: url, catalog: catalog, options: options)
            #expect(dry.scored == 120 && dry.invalid.count == 2)
            #expect(try Self.scoredCount(url) == 0, "a dry run writes nothing")
            options.dryRun = false
            options.vertical = "pc"
            let pc = try BatchScorer.run(databaseURL: url, catalog: catalog, options: options)
            #expect(pc.scored == leads.prefix(120).filter { $0.vertical == "pc" }.count)
            options.vertical = nil
            var reported = 0
            let first = try BatchScorer.run(databaseURL: url, catalog: catalog, options: options, total: { reported = $0 })
            #expect(first.scored == 120 - pc.scored && reported == 120 - pc.scored + 2)
            #expect(first.invalid.map(\.id).sorted() == ["9001", "9002"])
            #expect(first.invalid.contains { $0.reason.contains("field 'vertical' has an invalid value") })
            let again = try BatchScorer.run(databaseURL: url, catalog: catalog, options: options)
            #expect(again.scored == 0, "a second incremental run finds nothing new")
            options.days = 3650
            let older = try BatchScorer.run(databaseURL: url, catalog: catalog, options: options)
            #expect(older.scored == 80)
            options.refreshAll = true
            let all = try BatchScorer.run(databaseURL: url, catalog: catalog, options: options)
            #expect(all.scored == 200 && all.batches == 6)
            #expect(try Self.scoredCount(url) == 200)
        }
    }

    @Test func shardsCoverEveryLeadOnceAndScoresMatchTheService() throws {
        try TestDatabase.withFreshDatabase { url in
            _ = try Self.seed(url)
            let catalog = try ModelCatalog.load(from: ServingFixture.shared.registry)
            var options = BatchScoringOptions()
            options.days = 3650
            options.batchSize = 50
            var total = 0
            for k in 0..<3 {
                options.shard = (k, 3)
                let run = try BatchScorer.run(databaseURL: url, catalog: catalog, options: options)
                #expect(run.scored > 30, "shard \(k) of 3 has a fair share")
                total += run.scored
            }
            let stored = try Self.scoredCount(url)
            #expect(total == 200 && stored == 200)

            // The stored scores are the HTTP service's for the same leads.
            let (server, _) = try ServingFixture.start(databaseURL: url)
            defer { server.stop(); server.wait() }
            let client = try TestHTTPClient(port: server.port)
            let db = try PostgresConnection(url: url)
            for id in [3, 77, 150] {
                let row = try db.query("SELECT ml_score, ml_model_version FROM leads WHERE id = $1", [String(id)])
                let response = try client.request("POST", "/api/v1/lead-scoring-ml/score/\(id)?factors=0")
                #expect(response.json?["score"] == .number(Double(row.value(0, "ml_score")!)!))
                #expect(response.json?["modelVersion"] == .string(row.value(0, "ml_model_version")!))
            }
        }
    }

    /// `mlctl score-batch` killed with SIGKILL mid-run, then run again: every lead ends up
    /// scored exactly once by the current version (a trigger logs every write of a version).
    @Test func aKilledRunResumesWithoutRescoringOrSkipping() throws {
        try TestDatabase.withFreshDatabase { url in
            let fixture = ServingFixture.shared
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            try LeadStore.insert(agents: fixture.agents, leads: Array(fixture.leads.prefix(3000)), into: db)
            try db.query("""
                CREATE TABLE score_log (id bigint, version text);
                CREATE FUNCTION log_score() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO score_log VALUES (NEW.id, NEW.ml_model_version); RETURN NEW; END $$;
                CREATE TRIGGER log_score AFTER UPDATE OF ml_model_version ON leads FOR EACH ROW EXECUTE FUNCTION log_score();
                """)
            let arguments = ["score-batch", "--database-url", url, "--models", fixture.registry.path, "--days", "36500", "--batch-size", "25"]
            let process = Process()
            process.executableURL = CommandRunner.binary
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Kill it once some batches have committed, long before all 120 have.
            var committed = 0
            let deadline = Date().addingTimeInterval(60)
            while committed == 0 && process.isRunning && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.01)
                committed = Int(try db.query("SELECT count(*) FROM score_log").rows[0][0]!)!
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(committed > 0 && committed < 3000, "killed mid-run after \(committed) leads")
            let rerun = try CommandRunner.run(arguments + ["--format", "json"])
            #expect(rerun.status == 0, "\(rerun.standardError)")
            let counts = try db.query("SELECT count(*) AS writes, count(DISTINCT id) AS leads, count(DISTINCT version) AS versions FROM score_log")
            #expect(counts.value(0, "writes") == "3000" && counts.value(0, "leads") == "3000", "\(counts.rows)")
            let unscored = try db.query("SELECT count(*) FROM leads WHERE ml_model_version IS NULL").rows[0][0]
            #expect(unscored == "0")
            #expect(rerun.standardOutput.contains("\"scored\":") && rerun.standardOutput.contains("\"failed\":0"))
        }
    }

    /// The first write loses its connection (the server ends the session in the middle of the
    /// UPDATE): the batch is retried on a new connection and nothing is lost.
    @Test func aBatchWhoseConnectionBreaksIsRetriedOnANewOne() throws {
        try TestDatabase.withFreshDatabase { url in
            _ = try Self.seed(url)
            let db = try PostgresConnection(url: url)
            try db.query("""
                CREATE SEQUENCE first_write;
                CREATE FUNCTION break_first_write() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval('first_write') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER break_first_write BEFORE UPDATE OF ml_model_version ON leads
                    FOR EACH STATEMENT EXECUTE FUNCTION break_first_write();
                """)
            var options = BatchScoringOptions()
            options.refreshAll = true
            options.batchSize = 100
            let run = try BatchScorer.run(databaseURL: url, catalog: try ModelCatalog.load(from: ServingFixture.shared.registry), options: options)
            #expect(run.scored == 200 && run.failedWrites == 0, "\(run.scored) scored, \(run.failedWrites) failed")
            #expect(try Self.scoredCount(url) == 200)
            #expect(try db.query("SELECT last_value FROM first_write").rows[0][0] == "3", "one broken attempt, then the two batches")
        }
    }

    @Test func commandLineErrors() throws {
        let badShard = try CommandRunner.run(["score-batch", "--database-url", "postgresql://x@127.0.0.1:1/d", "--models", "m", "--shard", "3/3"])
        #expect(badShard.status == 2 && badShard.standardError.contains("0 ≤ K < N"))
        let noModels = try CommandRunner.run(["score-batch", "--database-url", "postgresql://x@127.0.0.1:1/d", "--models", "/nonexistent"])
        #expect(noModels.status == 1 && noModels.standardError.contains("cannot load models"))
    }
}
