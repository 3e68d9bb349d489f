import Foundation
import Testing
import TestSupport
@testable import Database

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

    /// PostgreSQL's text output of each type reads back through the row accessor by name.
    @Test func rowsReadEveryColumnTypeByName() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            let result = try db.query("""
                SELECT 2147483647::int AS i, (-9223372036854775807)::bigint AS b, 0.1::float8 AS f, 12.50::numeric(12, 2) AS n,
                       'Infinity'::float8 AS inf, true AS yes, false AS no, 'it''s'::text AS t, NULL::int AS missing,
                       count(*) AS count
                FROM generate_series(1, 3)
                """)
            let row = try #require(result.first)
            #expect(try row.int("i") == 2_147_483_647 && row.int64("b") == -9_223_372_036_854_775_807)
            #expect(try row.double("f") == 0.1 && row.double("n") == 12.5 && row.double("inf") == .infinity)
            #expect(try row.bool("yes") && !row.bool("no") && row.text("t") == "it's")
            #expect(try row.optionalInt64("missing") == nil && row.int("count") == 3)
            #expect(throws: PostgresError.self) { try row.int("missing") }
            #expect(throws: PostgresError.self) { try row.int("absent") }
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

    @Test func migrationsAreIdempotentAndModulesApplyTheirOwn() throws {
        let first = SchemaMigration(version: 101, name: "first", sql: "CREATE TABLE first_table (id INT)")
        let second = SchemaMigration(version: 102, name: "second", sql: "CREATE TABLE second_table (id INT); INSERT INTO second_table VALUES (1)")
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            #expect(try SchemaMigrations.appliedVersions(db) == [])
            #expect(try SchemaMigrations.apply([first], to: db) == [101])
            #expect(try SchemaMigrations.apply([first, second], to: db) == [102])
            #expect(try SchemaMigrations.apply([first, second], to: db) == [])
            #expect(try SchemaMigrations.appliedVersions(db) == [101, 102])
            #expect(try db.query("SELECT count(*) FROM second_table").rows.first?.first == "1")
        }
    }

    @Test func aFailingMigrationLeavesNoTraceAndIsNotRecorded() throws {
        let broken = SchemaMigration(version: 201, name: "broken", sql: "CREATE TABLE half (id INT); SELECT no_such_function()")
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            #expect(throws: PostgresError.self) { try SchemaMigrations.apply([broken], to: db) }
            #expect(try SchemaMigrations.appliedVersions(db) == [])
            #expect(try db.query("SELECT to_regclass('half') IS NULL").rows.first?.first == "t")
        }
    }
}
