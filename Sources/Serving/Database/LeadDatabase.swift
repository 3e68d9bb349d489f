import Core
import Database
import Experiments
import Foundation
import Leads
import Training

/// The service's PostgreSQL access: one connection per event loop (a loop uses only its own,
/// so no locking) for the A/B and readiness routes, and the by-id route's batched lead reads,
/// group-committed write-backs and reports on threads with connections of their own. Connections are
/// opened lazily, dropped when they break and reopened on a later use — at most once a second
/// per connection, so a stopped database costs a refused connect, not a wait per request.
/// Lead ids reach SQL only as parameters.
public final class LeadDatabase: @unchecked Sendable {
    /// The database cannot be reached: answered 503.
    public struct Unavailable: Error, Sendable { public var message: String }

    /// A lead read by id, with the A/B test running when it was read.
    public struct LeadRead: Sendable {
        public var lead: LeadRecord
        public var agent: AgentRecord?
        /// The running test, as known at most ``RunningTestCache/maximumAge`` seconds before
        /// the read (this service's own changes: none).
        public var runningTest: ABTest?
    }

    private let url: String
    private var connections: [PostgresConnection?]
    private var lastFailure: [Double]
    private let retryInterval = 1.0
    /// The by-id reads, batched (``LeadReadBatch``), each with the running test; the readers'
    /// connections come after the callers'.
    private var reads: BatchQueue<Int64, (row: [String?]?, runningTest: ABTest?)>!
    /// The write-backs' group commit (``ScoreWriteBatch``), whose writers have connections of
    /// their own (the last ones).
    private var writes: BatchQueue<ScoreWriteBatch.Write, Void>!
    /// Reports (prediction monitoring, A/B results): queries that read many rows, run one at a
    /// time on a thread and connection of their own (the last), never on an event loop.
    private let reports = DispatchQueue(label: "mlctl-reports")
    private let reportWorker: Int
    /// The running A/B test, read at most every quarter second.
    private let runningTests = RunningTestCache()
    /// Whether the database was reachable at the last connect or failure (nil: not tried
    /// yet), under `availabilityLock`: only connects and failures touch it, never a query.
    private var available: Bool?
    private let availabilityLock = NSLock()
    private let availabilityChanged: @Sendable (_ available: Bool) -> Void

    /// - Parameters:
    ///   - callers: the threads that call ``withConnection(worker:_:)`` (the event loops),
    ///     `0..<callers`, each with its own connection.
    ///   - readers: threads that read leads for ``lead(id:then:)`` (at least one: one reads
    ///     every batch while it keeps up, the others are ``BatchQueue`` standbys), each with
    ///     its own connection; its continuations run on them. Each score writer has one more.
    ///   - runningTestSeen: called on the reader thread with the running test of each read
    ///     batch, before its leads are handed on (the service loads the test's arm models there).
    ///   - availabilityChanged: called when the database becomes unreachable (a connect or a
    ///     fresh connection fails) and when a connect succeeds after that (not for the first
    ///     successful connect); once per change, whichever connection notices it.
    public init(url: String, callers: Int, readers: Int, runningTestSeen: @escaping @Sendable (ABTest?) -> Void = { _ in },
                availabilityChanged: @escaping @Sendable (_ available: Bool) -> Void = { _ in }) {
        self.url = url
        self.availabilityChanged = availabilityChanged
        let callers = max(1, callers), readers = max(1, readers), writersFrom = callers + readers
        reportWorker = writersFrom + ScoreWriteBatch.writerCount
        let total = reportWorker + 1
        connections = Array(repeating: nil, count: total)
        lastFailure = Array(repeating: -.infinity, count: total)
        reads = BatchQueue(name: "mlctl-lead-reader", workers: readers, maximumBatch: LeadReadBatch.maximumBatch) { [unowned self] ids, reader in
            try withConnection(worker: callers + reader) { db in
                let test = try runningTests.current { try ABTestStore(db).runningTest() }
                runningTestSeen(test)
                return try LeadReadBatch.rows(of: ids, on: db).map { ($0, test) }
            }
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
                    noteAvailability(false)
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
            noteAvailability(true)
            return connection
        } catch {
            lastFailure[worker] = monotonicSeconds()
            noteAvailability(false)
            throw Unavailable(message: "the database is unavailable")
        }
    }

    /// Records whether the database answered, and reports a change (but not the first success).
    private func noteAvailability(_ now: Bool) {
        availabilityLock.lock()
        let before = available
        available = now
        availabilityLock.unlock()
        if before != now && (before != nil || !now) { availabilityChanged(now) }
    }

    /// Reads the lead `id`, its agent and the running A/B test, together with the leads of
    /// concurrent requests (``LeadReadBatch``: one statement), and calls `then` on a reader
    /// thread with it — `nil` when there is no such lead. The lead is decoded for this call
    /// alone, so a lead that cannot be decoded fails only its own request. `then` runs on the
    /// reader thread before it takes its next batch, so it should hand the request's work on
    /// (the by-id route hands it back to its event loop).
    ///
    /// Errors given to `then`: ``LeadRow/DecodingError`` when a stored value is outside its
    /// field's domain (the database holds a lead the service cannot read); ``PostgresError``
    /// when the batch's statement, or the running test's, fails (a renamed or dropped column
    /// among them); ``Unavailable``.
    public func lead(id: Int64, then: @escaping (Result<LeadRead?, any Error>) -> Void) {
        reads.submit(id) { read in
            then(Result {
                let (row, test) = try read.get()
                guard let row else { return nil }
                let (lead, agent) = try LeadRow.decode(row)
                return LeadRead(lead: lead, agent: agent, runningTest: test)
            })
        }
    }

    /// Lead-read statements run so far (each a batch of concurrent requests' reads).
    var leadReadBatches: Int { reads.batchesTaken }

    /// Writes a lead's score back (`ml_score`, `ml_quality`, `ml_model_version`, `scored_at`)
    /// together with the write-backs of concurrent requests (``ScoreWriteBatch``: one
    /// statement, one commit), and calls `then` on a writer thread once that commit is durable
    /// (or with its error). With `abTest`, the same commit stores the lead's assignment in that
    /// test if it has none (while the test still runs) and records the score with it.
    public func writeScore(id: Int64, score: Double, quality: String, modelVersion: String,
                           abTest: (name: String, variant: String)? = nil, then: @escaping (Result<Void, any Error>) -> Void) {
        writes.submit(ScoreWriteBatch.Write(leadID: id, score: score, quality: quality, modelVersion: modelVersion, abTest: abTest), then: then)
    }

    /// Tells the by-id route that this service created or stopped a test: the next lead read
    /// reads the running test from the database.
    public func runningTestChanged() {
        runningTests.invalidate()
    }

    /// Runs `body` with the A/B test store on `worker`'s connection.
    public func abTests<T>(worker: Int, _ body: (ABTestStore) throws -> T) throws -> T {
        try withConnection(worker: worker) { try body(ABTestStore($0)) }
    }

    /// Runs `body` off the event loops, on the connection kept for reports, one report at a
    /// time, and calls `then` with its result on that thread. For queries whose cost grows with
    /// the leads table (monitoring, A/B results): a loop that ran them would stall every
    /// connection it serves for as long as they take.
    public func report<T>(_ body: @escaping @Sendable (PostgresConnection) throws -> T,
                          then: @escaping @Sendable (Result<T, any Error>) -> Void) {
        reports.async { [self] in
            then(Result { try withConnection(worker: reportWorker, body) })
        }
    }

    /// Whether `worker`'s connection answers `SELECT 1`.
    public func isReachable(worker: Int) -> Bool {
        (try? withConnection(worker: worker) { db in try db.query("SELECT 1") }) != nil
    }
}
