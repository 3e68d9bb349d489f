import Foundation
import Testing
import TestSupport
@testable import Training

@Suite(.enabled(if: TestDatabase.isConfigured))
struct PostgresConnectionTests {
    @Test func parameterisedQueriesNeverBecomeSQL() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try db.query("CREATE TABLE t (id INT, name TEXT)")
            let hostile = "x'); DROP TABLE t; --"
            try db.query("INSERT INTO t VALUES ($1, $2)", ["1", hostile])
            try db.query("INSERT INTO t VALUES ($1, $2)", ["2", nil])
            let result = try db.query("SELECT id, name FROM t ORDER BY id")
            #expect(result.columns == ["id", "name"])
            #expect(result.rows.count == 2)
            #expect(result.rows[0][1] == hostile)
            #expect(result.rows[1][1] == nil)
            #expect(result.value(0, "id") == "1")
        }
    }

    @Test func serverErrorsCarryTheSQLStateAndMessage() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try db.query("CREATE TABLE u (id INT PRIMARY KEY)")
            try db.query("INSERT INTO u VALUES (1)")
            do {
                try db.query("INSERT INTO u VALUES ($1)", ["1"])
                Issue.record("expected a unique violation")
            } catch let error as PostgresError {
                guard case .server(let state, let message, _) = error else { Issue.record("\(error)"); return }
                #expect(state == "23505")
                #expect(message.contains("duplicate key"))
            }
            // The connection stays usable after an error.
            #expect(try db.query("SELECT 1").rows == [["1"]])
        }
    }

    @Test func transactionsCommitOrRollBack() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try db.query("CREATE TABLE v (id INT)")
            _ = try db.transaction { try db.query("INSERT INTO v VALUES (1)") }
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.query("INSERT INTO v VALUES (2)")
                    throw Boom()
                }
            }
            #expect(try db.query("SELECT count(*) FROM v").rows == [["1"]])
        }
    }

    @Test func copyInAndOutRoundTrip() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try db.query("CREATE TABLE w (id INT, label TEXT)")
            let copied = try db.copyIn("COPY w FROM STDIN") { writer in
                for i in 0..<10_000 { try writer.write("\(i)\tname \(i)\n") }
                try writer.write("10000\t\\N\n")
            }
            #expect(copied == 10_001)
            var lines: [String] = []
            let rows = try db.copyOut("COPY (SELECT id, label FROM w ORDER BY id) TO STDOUT") { bytes in
                lines.append(String(decoding: bytes, as: UTF8.self))
            }
            #expect(rows == 10_001)
            #expect(lines[0] == "0\tname 0\n")
            #expect(lines.last == "10000\t\\N\n")
        }
    }

    @Test func abortedCopyInsertsNothing() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try db.query("CREATE TABLE x (id INT)")
            struct Stop: Error {}
            #expect(throws: Stop.self) {
                try db.copyIn("COPY x FROM STDIN") { writer in
                    try writer.write("1\n2\n")
                    throw Stop()
                }
            }
            #expect(try db.query("SELECT count(*) FROM x").rows == [["0"]])
            // Bad data in COPY is a server error naming the problem.
            do {
                try db.copyIn("COPY x FROM STDIN") { try $0.write("not a number\n") }
                Issue.record("expected an error")
            } catch let error as PostgresError {
                guard case .server(let state, _, _) = error else { Issue.record("\(error)"); return }
                #expect(state == "22P02")
            }
        }
    }

    @Test func badURLIsAConnectionError() {
        do {
            _ = try PostgresConnection(url: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
            Issue.record("expected a connection error")
        } catch {
            guard case .connectionFailed = error else { Issue.record("\(error)"); return }
            #expect(error.isConnectionProblem)
        }
    }

    @Test func terminatedBackendIsReportedAsConnectionLoss() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            let pid = try db.query("SELECT pg_backend_pid()").rows[0][0]!
            let killer = try PostgresConnection(url: url)
            try killer.query("SELECT pg_terminate_backend($1::int)", [pid])
            do {
                try db.query("SELECT 1")
                Issue.record("expected the connection to be lost")
            } catch let error as PostgresError {
                #expect(error.isConnectionProblem)
                #expect(!db.isOpen)
            }
        }
    }

    @Test func migrationsAreIdempotent() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            #expect(try LeadSchema.appliedVersions(db) == [])
            #expect(try LeadSchema.migrate(db) == LeadSchema.migrations.map(\.version))
            #expect(try LeadSchema.migrate(db) == [])
            #expect(try LeadSchema.appliedVersions(db) == LeadSchema.migrations.map(\.version))
            let columns = try db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'leads'").rows.map { $0[0]! }
            for required in ["id", "vertical", "created_at", "email", "agent_id", "converted", "ml_score", "ml_quality", "ml_model_version", "scored_at"] {
                #expect(columns.contains(required), "leads lacks \(required)")
            }
        }
    }
}
