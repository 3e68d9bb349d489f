import Database
import Experiments
import Foundation

/// The by-id route's write-backs, group-committed through a ``BatchQueue``: requests hand
/// their lead's score to the writer threads; a free writer commits everything that arrived
/// while the writers were busy as one statement (``statement(for:)``) — one transaction, one
/// WAL flush — and then answers each request, only once its own write is durable. With fsync
/// on, a commit's flush is most of a write-back's time, so concurrent requests share it
/// instead of queueing for one each. There are ``writerCount`` writers, each with its own
/// connection: one commits every batch, and the other (a ``BatchQueue`` standby) takes over
/// what waits while a row locked by another transaction (a CRM updating the lead) holds up
/// the first one's batch.
///
/// A batch is atomic: if its statement fails, no lead of it is stored and every request in it
/// gets the error (answered 503); a request that failed before it wrote is never in a batch.
enum ScoreWriteBatch {
    /// One lead's write-back.
    struct Write {
        var leadID: Int64
        var score: Double
        var quality: String
        var modelVersion: String
        /// The running A/B test whose assignment the score is recorded with.
        var abTest: (name: String, variant: String)?
    }

    /// Writes that one statement takes at most.
    static let maximumBatch = 512
    /// Writer threads (and connections): one and a standby.
    static let writerCount = 2

    /// The scores ($1…$4), locked in id order.
    private static let scoresCTE = """
        WITH s AS (SELECT * FROM unnest($1::bigint[], $2::float8[], $3::text[], $4::text[]) AS s(id, score, quality, version)),
        locked AS (SELECT l.id FROM leads l WHERE l.id IN (SELECT id FROM s) ORDER BY l.id FOR NO KEY UPDATE)
        """
    private static let update = """
        UPDATE leads l SET ml_score = s.score, ml_quality = s.quality, ml_model_version = s.version, scored_at = now()
        FROM s JOIN locked USING (id) WHERE l.id = s.id
        """
    /// A batch without A/B assignments (no test runs: the usual case) runs the update alone:
    /// the assignments' part, even with nothing to insert, set up three joins and a sort each time.
    private static let scoresSQL = scoresCTE + "\n" + update
    private static let scoresAndAssignmentsSQL = scoresCTE + ",\nscored AS (\n" + update + ")\n" + """
        INSERT INTO ab_assignments (test_name, lead_id, variant, score, quality, model_version, scored_at)
        SELECT t.name, a.id, a.variant, a.score, a.quality, a.version, now()
        FROM unnest($5::text[], $6::bigint[], $7::text[], $8::float8[], $9::text[], $10::text[])
             AS a(test_name, id, variant, score, quality, version)
        JOIN locked USING (id)
        JOIN ab_tests t ON t.name = a.test_name AND t.status = 'running'
        ORDER BY a.id
        ON CONFLICT (test_name, lead_id) DO UPDATE
        SET score = EXCLUDED.score, quality = EXCLUDED.quality, model_version = EXCLUDED.model_version, scored_at = EXCLUDED.scored_at
        """

    /// The statement that stores a batch: every lead's score (the last write of a lead in the
    /// batch wins) and, for leads scored under a running A/B test, the assignment with its
    /// score — one statement, so one commit. An assignment is stored only while its test is
    /// running at commit time (the join on `status = 'running'`), so a test stopped meanwhile
    /// (by this service, another one or the CLI; the by-id route knows the running test from
    /// ``RunningTestCache``, up to its age bound late) gets no new leads. Arrays travel as
    /// parameters (`unnest`), so no value reaches the SQL text.
    ///
    /// The batch first locks its leads in id order (`locked`), and writes a lead's score and
    /// assignment only under that lock: the writers' batches may share leads (two requests for
    /// one lead at once), and batches that locked shared rows in different orders deadlocked —
    /// PostgreSQL then failed one after a second (`deadlock_timeout`), a 503 for each of its
    /// requests. An assignment is recorded only with its lead's score, so only for a lead that
    /// exists. A batch without assignments runs the update alone (four parameters).
    static func statement(for writes: [Write]) -> (sql: String, parameters: [String?]) {
        var lastOfLead: [Int64: Int] = [:], lastOfAssignment: [String: Int] = [:]
        for (index, write) in writes.enumerated() {
            lastOfLead[write.leadID] = index
            if let test = write.abTest { lastOfAssignment["\(write.leadID) \(test.name)"] = index }
        }
        let leads = writes.indices.filter { lastOfLead[writes[$0].leadID] == $0 }.map { writes[$0] }
        let assigned = writes.indices.filter { index in
            writes[index].abTest.map { lastOfAssignment["\(writes[index].leadID) \($0.name)"] == index } ?? false
        }.map { writes[$0] }
        let scores: [String?] = [
            PostgresArray.literal(leads.map { String($0.leadID) }, quoted: false),
            PostgresArray.literal(leads.map { "\($0.score)" }, quoted: false),
            PostgresArray.literal(leads.map(\.quality)),
            PostgresArray.literal(leads.map(\.modelVersion)),
        ]
        guard !assigned.isEmpty else { return (scoresSQL, scores) }
        return (scoresAndAssignmentsSQL, scores + [
            PostgresArray.literal(assigned.map { $0.abTest!.name }),
            PostgresArray.literal(assigned.map { String($0.leadID) }, quoted: false),
            PostgresArray.literal(assigned.map { $0.abTest!.variant }),
            PostgresArray.literal(assigned.map { "\($0.score)" }, quoted: false),
            PostgresArray.literal(assigned.map(\.quality)),
            PostgresArray.literal(assigned.map(\.modelVersion)),
        ])
    }
}
