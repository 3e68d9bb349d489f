import Core
import Database
import Evaluation
import Foundation
import Leads
import Training

/// What `score-batch` scores and how.
public struct BatchScoringOptions: Sendable {
    /// Every lead, of any age and whatever scored it; otherwise only leads of the last
    /// ``days`` days never scored, or scored by another model version than the one that
    /// would score them now.
    public var refreshAll = false
    /// Only this vertical.
    public var vertical: String?
    /// Incremental runs: leads created in the last `days` days.
    public var days = 7
    /// Leads per batch: one COPY in plus `UPDATE … FROM`, in one transaction.
    public var batchSize = 50_000
    /// `(k, n)`: only the leads whose id hashes to `k` modulo `n` (PostgreSQL's `hashint8`),
    /// so that n processes score one table together without overlap.
    public var shard: (index: Int, count: Int)?
    /// Score and count, write nothing.
    public var dryRun = false
    public var threads = defaultThreadCount
    /// Attempts to write a batch before it is reported as failed (waits 0.5 s, 1 s, 2 s …).
    public var writeAttempts = 3

    public init() {}
}

/// What a `score-batch` run did.
public struct BatchScoringSummary: Sendable {
    public var scored = 0
    /// Leads whose values are impossible (unknown vertical, negative counts or durations,
    /// unreadable fields), by id with the reason; they are not written.
    public var invalid: [(id: String, reason: String)] = []
    /// Leads of batches that could not be written after every attempt.
    public var failedWrites = 0
    public var batches = 0
    public var seconds = 0.0
    /// Where the scoring thread's time went: waiting for rows (the reading thread streams the
    /// COPY meanwhile: the rest), scoring, and waiting for writes; `writeSeconds` is the
    /// writer thread's own time, mostly overlapped with the others.
    public var readSeconds = 0.0, scoreSeconds = 0.0, writeWaitSeconds = 0.0, writeSeconds = 0.0
    public var dryRun = false
    /// The model versions that scored, as written to `ml_model_version`.
    public var modelVersions: [String] = []

    public var failed: Int { invalid.count + failedWrites }
    public var leadsPerSecond: Double { seconds > 0 ? Double(scored) / seconds : 0 }
}

/// Scores leads stored in PostgreSQL and writes the scores back, batch by batch.
///
/// One COPY streams the matching leads in id order; every `batchSize` of them are scored
/// exactly as the HTTP service scores them (``LeadScorer``), on all threads, and written by a
/// writer thread on a second connection in one transaction — the scores COPYed into a
/// temporary table and one `UPDATE … FROM` — while the next batch is read and scored. A crash loses at most the batch in flight, and an incremental re-run skips
/// what was committed (those leads now carry the current model version), so no lead is scored
/// twice by one version and none is skipped.
public enum BatchScorer {
    /// - Parameters:
    ///   - total: called once, before the first batch, with the number of leads to score.
    ///   - progress: called after each batch with the leads scored and failed so far.
    public static func run(databaseURL: String, catalog: ModelCatalog, options: BatchScoringOptions,
                           total: ((Int) -> Void)? = nil,
                           progress: ((_ scored: Int, _ failed: Int) -> Void)? = nil) throws -> BatchScoringSummary {
        guard let global = catalog.global else { throw LeadScorer.Unavailable(message: "the models include no lead-scoring model") }
        let db = try PostgresConnection(url: databaseURL)
        let started = monotonicSeconds()
        var summary = BatchScoringSummary()
        summary.dryRun = options.dryRun
        summary.modelVersions = ([global] + catalog.verticals.values.sorted { $0.name < $1.name }).map(\.versionLabel)

        // Settings the COPY's condition reads (COPY takes no parameters).
        let versionOf = Dictionary(uniqueKeysWithValues: Vertical.allCases.map { ($0.rawValue, catalog.leadModel(vertical: $0.rawValue, useVerticalModel: true)!.versionLabel) })
        try db.query("""
            SELECT set_config('mlctl.refresh', $1, false), set_config('mlctl.vertical', $2, false), set_config('mlctl.days', $3, false),
                   set_config('mlctl.shard_k', $4, false), set_config('mlctl.shard_n', $5, false), set_config('mlctl.version_pc', $6, false),
                   set_config('mlctl.version_health', $7, false), set_config('mlctl.version_commercial', $8, false),
                   set_config('mlctl.version_other', $9, false)
            """, [options.refreshAll ? "1" : "0", options.vertical ?? "", String(options.days), String(options.shard?.index ?? 0),
                  String(options.shard?.count ?? 1), versionOf["pc"], versionOf["health"], versionOf["commercial"], global.versionLabel])
        let condition = """
            (current_setting('mlctl.vertical') = '' OR l.vertical = current_setting('mlctl.vertical'))
            AND ((hashint8(l.id)::bigint % current_setting('mlctl.shard_n')::bigint + current_setting('mlctl.shard_n')::bigint)
                 % current_setting('mlctl.shard_n')::bigint = current_setting('mlctl.shard_k')::bigint)
            AND (current_setting('mlctl.refresh') = '1'
                 OR (l.created_at >= now() - make_interval(days => current_setting('mlctl.days')::int)
                     AND l.ml_model_version IS DISTINCT FROM (CASE l.vertical
                         WHEN 'pc' THEN current_setting('mlctl.version_pc')
                         WHEN 'health' THEN current_setting('mlctl.version_health')
                         WHEN 'commercial' THEN current_setting('mlctl.version_commercial')
                         ELSE current_setting('mlctl.version_other') END)))
            """
        if let total {
            let count = try db.query("SELECT count(*) AS leads FROM \(LeadRow.fromClause) WHERE \(condition)")
            total(try count.first?.int("leads") ?? 0)
        }
        // One COPY streams every matching lead in id order on this connection. Each batch is
        // scored as soon as it is complete and written on a second connection by a writer
        // thread, while the next batch is read and scored (at most one batch read ahead, at
        // most one write in flight).
        let writer = options.dryRun ? nil : WriterState(connection: try PostgresConnection(url: databaseURL))
        let writes = DispatchQueue(label: "mlctl.score-batch.write")
        let inFlight = DispatchGroup()
        /// Waits for the write in flight and takes its result into the summary.
        func settleWrite() {
            inFlight.wait()
            guard let writer else { return }
            summary.scored += writer.scored
            summary.failedWrites += writer.failed
            writer.scored = 0
            writer.failed = 0
        }

        func scoreAndWrite(_ batch: [[String?]]) {
            // Decode and score on every thread, exactly as the service would.
            let scoreStarted = monotonicSeconds()
            let slots = ResultSlots<Result<(lead: LeadRecord, agent: AgentRecord?), InvalidLead>>(count: batch.count)
            let chunk = 256
            parallelFor((batch.count + chunk - 1) / chunk, threads: options.threads) { block in
                for i in (block * chunk)..<min(batch.count, (block + 1) * chunk) {
                    slots[i] = decode(batch[i])
                }
            }
            var valid: [(lead: LeadRecord, agent: AgentRecord?)] = []
            valid.reserveCapacity(batch.count)
            for outcome in slots.values {
                switch outcome {
                case .success(let lead): valid.append(lead)
                case .failure(let invalid): summary.invalid.append((invalid.id, invalid.reason))
                }
            }
            var scores: [LeadScore] = []
            do {
                scores = try LeadScorer.scoreMany(valid, catalog: catalog, useVerticalModel: true, threads: options.threads)
            } catch {
                summary.invalid += valid.map { (String($0.lead.id), "could not be scored: \(error)") }
            }
            summary.scoreSeconds += monotonicSeconds() - scoreStarted
            let written = scores

            let waitStarted = monotonicSeconds()
            settleWrite()
            summary.writeWaitSeconds += monotonicSeconds() - waitStarted
            summary.batches += 1
            guard let writer, !written.isEmpty else {
                if options.dryRun { summary.scored += written.count }
                progress?(summary.scored, summary.failed)
                return
            }
            progress?(summary.scored, summary.failed)
            // Written in one transaction, retried with backoff.
            inFlight.enter()
            let attempts = max(1, options.writeAttempts)
            writes.async {
                defer { inFlight.leave() }
                let started = monotonicSeconds()
                for attempt in 1...attempts {
                    do {
                        try write(written, to: writer.connection)
                        writer.scored += written.count
                        break
                    } catch {
                        guard attempt < attempts else { writer.failed += written.count; break }
                        Thread.sleep(forTimeInterval: 0.5 * pow(2, Double(attempt - 1)))
                        // A broken connection is replaced before the next attempt.
                        if let problem = error as? PostgresError, problem.isConnectionProblem || !writer.connection.isOpen,
                           let fresh = try? PostgresConnection(url: databaseURL) {
                            writer.connection = fresh
                        }
                    }
                }
                writer.seconds += monotonicSeconds() - started
            }
        }

        // A reading thread streams the COPY and hands over each complete batch; this thread
        // scores it (on every core) while the next one streams in.
        let handoff = BatchHandoff<[[String?]]>()
        let reading = UncheckedSendable((db: db, condition: condition, batchSize: options.batchSize))
        let reader = Thread {
            var buffer: [[String?]] = []
            buffer.reserveCapacity(reading.value.batchSize)
            do {
                try LeadStore.forEachRow(in: reading.value.db, condition: reading.value.condition) { values in
                    buffer.append(values)
                    if buffer.count == reading.value.batchSize {
                        guard handoff.put(buffer) else { throw CancellationError() }
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
                if !buffer.isEmpty { _ = handoff.put(buffer) }
                handoff.finish()
            } catch {
                handoff.finish(throwing: error)
            }
        }
        reader.start()
        do {
            while let batch = try handoff.take() { scoreAndWrite(batch) }
        } catch {
            handoff.cancel()
            settleWrite()
            throw error
        }
        let waitStarted = monotonicSeconds()
        settleWrite()
        summary.writeWaitSeconds += monotonicSeconds() - waitStarted
        progress?(summary.scored, summary.failed)
        summary.writeSeconds = writer?.seconds ?? 0
        summary.seconds = monotonicSeconds() - started
        summary.readSeconds = summary.seconds - summary.scoreSeconds - summary.writeWaitSeconds
        return summary
    }

    /// The writer thread's connection and tallies (read by the main thread only after waiting
    /// for the write in flight).
    final class WriterState: @unchecked Sendable {
        var connection: PostgresConnection
        var scored = 0, failed = 0
        var seconds = 0.0
        init(connection: PostgresConnection) { self.connection = connection }
    }

    /// A lead that was not scored, and why.
    struct InvalidLead: Error {
        var id: String
        var reason: String
    }

    /// One row of ``LeadRow/selectList`` decoded and checked (``LeadRow/decode(_:)``, the
    /// service's validation), or why it cannot be scored.
    static func decode(_ values: [String?]) -> Result<(lead: LeadRecord, agent: AgentRecord?), InvalidLead> {
        do {
            return .success(try LeadRow.decode(values))
        } catch {
            return .failure(InvalidLead(id: values[0] ?? "?", reason: error.description))
        }
    }

    /// One transaction: the scores into a temporary table by COPY, then one UPDATE … FROM.
    ///
    /// The UPDATE names the batch's id range as well: without it PostgreSQL merge-joins the
    /// sorted scores with the primary-key index scanned from the first lead, so the k-th batch
    /// of an ordered run walked k batches' worth of index (EXPLAIN; a batch near the end of a
    /// million leads took 965 ms instead of 814 ms).
    static func write(_ scores: [LeadScore], to db: PostgresConnection) throws {
        guard let first = scores.first else { return }
        let (lowest, highest) = scores.reduce((first.leadID, first.leadID)) { (min($0.0, $1.leadID), max($0.1, $1.leadID)) }
        try db.transaction {
            try db.query("CREATE TEMP TABLE mlctl_scores (id bigint, score float8, quality text, version text) ON COMMIT DROP")
            try db.copyIn("COPY mlctl_scores (id, score, quality, version) FROM STDIN") { writer in
                for score in scores {
                    try writer.write("\(score.leadID)\t\(score.score)\t\(score.qualityLevel)\t\(score.model.versionLabel)\n")
                }
            }
            try db.query("""
                UPDATE leads l SET ml_score = s.score, ml_quality = s.quality, ml_model_version = s.version, scored_at = now()
                FROM mlctl_scores s WHERE l.id = s.id AND l.id BETWEEN $1 AND $2
                """, [String(lowest), String(highest)])
        }
    }
}
