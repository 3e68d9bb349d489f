import Database
import Experiments
import Foundation
import Leads
import Training

/// The service's PostgreSQL access: one connection per event loop (a loop uses only its own,
/// so no locking), opened lazily, dropped when it breaks and reopened on a later request —
/// at most once a second, so a stopped database costs a loop a refused connect, not a wait
/// per request. Lead ids reach SQL only as parameters.
public final class LeadDatabase: @unchecked Sendable {
    /// The database cannot be reached: answered 503.
    public struct Unavailable: Error, Sendable { public var message: String }

    private let url: String
    private var connections: [PostgresConnection?]
    private var lastFailure: [Double]
    private let retryInterval = 1.0

    public init(url: String, workers: Int) {
        self.url = url
        connections = Array(repeating: nil, count: max(1, workers))
        lastFailure = Array(repeating: -.infinity, count: max(1, workers))
    }

    /// Runs `body` on `worker`'s connection. A connection that broke since its last use is
    /// replaced once (the server may have restarted); statement errors are rethrown as they are.
    public func withConnection<T>(worker: Int, _ body: (PostgresConnection) throws -> T) throws -> T {
        for attempt in 0..<2 {
            let connection = try open(worker: worker)
            do {
                return try body(connection)
            } catch let error as PostgresError where error.isConnectionProblem {
                connections[worker] = nil
                if attempt == 1 {
                    lastFailure[worker] = monotonicSeconds()
                    throw Unavailable(message: "the database connection failed")
                }
            }
        }
        throw Unavailable(message: "the database connection failed")
    }

    private func open(worker: Int) throws -> PostgresConnection {
        if let connection = connections[worker] { return connection }
        guard monotonicSeconds() - lastFailure[worker] >= retryInterval else {
            throw Unavailable(message: "the database is unavailable")
        }
        do {
            let connection = try PostgresConnection(url: url)
            connections[worker] = connection
            return connection
        } catch {
            lastFailure[worker] = monotonicSeconds()
            throw Unavailable(message: "the database is unavailable")
        }
    }

    /// The lead `id` and its agent; `nil` when there is no such lead.
    /// - Throws: ``LeadRow/DecodingError`` when a stored value is outside its field's domain
    ///   (the database holds a lead the service cannot read); ``PostgresError`` when the
    ///   statement fails (a renamed or dropped column among them).
    public func lead(id: Int64, worker: Int) throws -> (lead: LeadRecord, agent: AgentRecord?)? {
        try withConnection(worker: worker) { db in
            let result = try db.query("SELECT \(LeadRow.selectList) FROM \(LeadRow.fromClause) WHERE l.id = $1", [String(id)])
            guard let row = result.rows.first else { return nil }
            return try LeadRow.decode(row)
        }
    }

    /// Writes a lead's score back (`ml_score`, `ml_quality`, `ml_model_version`, `scored_at`),
    /// committed durably before this returns. With `abTest`, the same statement (one commit,
    /// one WAL flush) stores the lead's assignment in that test if it has none (while the test
    /// still runs) and records the score with it.
    public func writeScore(id: Int64, score: Double, quality: String, modelVersion: String,
                           abTest: (name: String, variant: ABVariant)? = nil, worker: Int) throws {
        _ = try withConnection(worker: worker) { db in
            if let abTest {
                try db.query("""
                    WITH lead AS (
                        UPDATE leads SET ml_score = $1, ml_quality = $2, ml_model_version = $3, scored_at = now() WHERE id = $4)
                    INSERT INTO ab_assignments (test_name, lead_id, variant, score, quality, model_version, scored_at)
                    SELECT name, $4, $6, $1, $2, $3, now() FROM ab_tests WHERE name = $5 AND status = 'running'
                    ON CONFLICT (test_name, lead_id) DO UPDATE
                    SET score = EXCLUDED.score, quality = EXCLUDED.quality, model_version = EXCLUDED.model_version, scored_at = EXCLUDED.scored_at
                    """, ["\(score)", quality, modelVersion, String(id), abTest.name, abTest.variant.rawValue])
            } else {
                try db.query("UPDATE leads SET ml_score = $1, ml_quality = $2, ml_model_version = $3, scored_at = now() WHERE id = $4",
                             ["\(score)", quality, modelVersion, String(id)])
            }
        }
    }

    /// Runs `body` with the A/B test store on `worker`'s connection.
    public func abTests<T>(worker: Int, _ body: (ABTestStore) throws -> T) throws -> T {
        try withConnection(worker: worker) { try body(ABTestStore($0)) }
    }

    /// Whether `worker`'s connection answers `SELECT 1`.
    public func isReachable(worker: Int) -> Bool {
        (try? withConnection(worker: worker) { db in try db.query("SELECT 1") }) != nil
    }
}
