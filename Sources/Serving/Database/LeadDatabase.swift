import Core
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
    /// The by-id reads, batched (``LeadReadBatch``); the readers have connections of their own,
    /// after the callers'.
    private var reads: BatchQueue<Int64, [String?]?>!
    /// The write-backs' group commit (``ScoreWriteBatch``), whose writers have connections of
    /// their own (the last ones).
    private var writes: BatchQueue<ScoreWriteBatch.Write, Void>!
    /// The running A/B test, read at most every quarter second.
    private let runningTests = RunningTestCache()

    /// - Parameter workers: the threads that call in, `0..<workers`, each with its own
    ///   connection; each lead reader and each score writer has one more.
    public init(url: String, workers: Int) {
        self.url = url
        let callers = max(1, workers), writersFrom = callers + LeadReadBatch.readerCount
        let total = writersFrom + ScoreWriteBatch.writerCount
        connections = Array(repeating: nil, count: total)
        lastFailure = Array(repeating: -.infinity, count: total)
        reads = BatchQueue(name: "mlctl-lead-reader", workers: LeadReadBatch.readerCount,
                           maximumBatch: LeadReadBatch.maximumBatch) { [unowned self] ids, reader in
            try withConnection(worker: callers + reader) { db in try LeadReadBatch.rows(of: ids, on: db) }
        }
        writes = BatchQueue(name: "mlctl-score-writer", workers: ScoreWriteBatch.writerCount,
                            maximumBatch: ScoreWriteBatch.maximumBatch) { [unowned self] batch, writer in
            let statement = ScoreWriteBatch.statement(for: batch)
            _ = try withConnection(worker: writersFrom + writer) { db in try db.queryPrepared(statement.sql, statement.parameters) }
            return batch.map { _ in () }
        }
    }

    deinit {
        reads.stop()
        writes.stop()
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

    /// The lead `id` and its agent; `nil` when there is no such lead. Read together with the
    /// leads of concurrent requests (``LeadReadBatch``: one statement), then decoded here, so a
    /// lead that cannot be decoded fails only its own request. `worker` is the caller's thread
    /// (unused: the readers have their own connections).
    /// - Throws: ``LeadRow/DecodingError`` when a stored value is outside its field's domain
    ///   (the database holds a lead the service cannot read); ``PostgresError`` when the
    ///   batch's statement fails (a renamed or dropped column among them); ``Unavailable``.
    public func lead(id: Int64, worker: Int) throws -> (lead: LeadRecord, agent: AgentRecord?)? {
        guard let row = try reads.submit(id) else { return nil }
        return try LeadRow.decode(row)
    }

    /// Lead-read statements run so far (each a batch of concurrent requests' reads).
    var leadReadBatches: Int { reads.batchesTaken }

    /// Writes a lead's score back (`ml_score`, `ml_quality`, `ml_model_version`, `scored_at`),
    /// committed durably before this returns, together with the write-backs of concurrent
    /// requests (``ScoreWriteBatch``: one statement, one commit). With `abTest`, the same
    /// commit stores the lead's assignment in that test if it has none (while the test still
    /// runs) and records the score with it. `worker` is the caller's thread (unused: the
    /// writer has its own connection).
    public func writeScore(id: Int64, score: Double, quality: String, modelVersion: String,
                           abTest: (name: String, variant: ABVariant)? = nil, worker: Int) throws {
        try writes.submit(ScoreWriteBatch.Write(leadID: id, score: score, quality: quality, modelVersion: modelVersion, abTest: abTest))
    }

    /// The running A/B test (``ABTestStore/runningTest()``), as known at most
    /// ``RunningTestCache/maximumAge`` seconds ago, or read on `worker`'s connection.
    public func runningTest(worker: Int) throws -> ABTest? {
        try runningTests.current { try abTests(worker: worker) { try $0.runningTest() } }
    }

    /// Tells the by-id route that this service created or stopped a test: the next
    /// ``runningTest(worker:)`` reads the database.
    public func runningTestChanged() {
        runningTests.invalidate()
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
