import Database
import Experiments
import Foundation
import Leads
import Testing
@testable import Serving
import TestSupport

/// The by-id route's write-backs are committed in groups (``ScoreWriteBatch``): under
/// concurrency every answered lead is stored with the score it was answered with, and a
/// batch that fails stores nothing for any request in it — each of those answered 503.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct GroupCommitTests {
    @Test func everyAnsweredLeadIsStoredAndNoFailedOne() throws {
        try TestDatabase.withFreshDatabase { url in
            let fixture = ServingFixture.shared
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let leads = Array(fixture.leads.prefix(240))
            try LeadStore.insert(agents: fixture.agents, leads: leads, into: db)
            // Every 7th lead's write-back fails: the batch it lands in is refused whole.
            try db.query("""
                CREATE FUNCTION refuse_some() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.id % 7 = 0 THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
                CREATE TRIGGER refuse_some BEFORE UPDATE ON leads FOR EACH ROW EXECUTE FUNCTION refuse_some();
                """)
            let (server, _) = try ServingFixture.start(databaseURL: url)
            defer { server.stop(); server.wait() }
            let answers = UncheckedAnswers()
            DispatchQueue.concurrentPerform(iterations: 12) { client in
                guard let connection = try? TestHTTPClient(port: server.port) else { return }
                for lead in leads.enumerated().filter({ $0.offset % 12 == client }).map(\.element) {
                    let response = try? connection.request("POST", "/api/v1/lead-scoring-ml/score/\(lead.id)?factors=0")
                    var score: Double?
                    if case .number(let value)? = response?.json?["score"] { score = value }
                    answers.record(lead.id, status: response?.status ?? 0, score: score)
                }
            }
            let stored = try db.query("SELECT id, ml_score FROM leads")
            var storedScore: [Int64: Double] = [:]
            for row in stored.rows { if let score = row[1].flatMap(Double.init) { storedScore[Int64(row[0]!)!] = score } }
            let all = answers.all
            #expect(all.count == leads.count)
            #expect(all.values.filter { $0.status == 200 }.count > leads.count / 2, "most batches hold no refused lead")
            #expect(all.values.contains { $0.status == 503 }, "the refused leads' batches fail")
            for (id, answer) in all {
                if answer.status == 200 {
                    #expect(storedScore[id] == answer.score, "lead \(id) was answered: its score must be stored")
                    #expect(id % 7 != 0)
                } else {
                    #expect(answer.status == 503, "lead \(id): \(answer.status)")
                    #expect(storedScore[id] == nil, "lead \(id) failed: nothing may be stored")
                }
            }
        }
    }

    @Test func aBatchKeepsTheLastWriteOfALeadAndQuotesEveryValue() {
        let writes = [
            ScoreWriteBatch.Write(leadID: 3, score: 0.25, quality: "Low", modelVersion: "v1/\"pc\"", abTest: nil),
            ScoreWriteBatch.Write(leadID: 4, score: 0.5, quality: "High", modelVersion: "v1\\x", abTest: ("t", "treatment")),
            ScoreWriteBatch.Write(leadID: 3, score: 0.75, quality: "High", modelVersion: "v2", abTest: nil),
        ]
        let parameters = ScoreWriteBatch.statement(for: writes).parameters
        #expect(parameters[0] == "{4,3}" && parameters[1] == "{0.5,0.75}")
        #expect(parameters[3] == #"{"v1\\x","v2"}"#)
        #expect(parameters[4] == #"{"t"}"# && parameters[5] == "{4}" && parameters[6] == #"{"treatment"}"#)
        #expect(PostgresArray.literal(["a\"b", ""]) == #"{"a\"b",""}"#)
        let unassigned = ScoreWriteBatch.statement(for: [writes[0], writes[2]])
        #expect(unassigned.parameters == ["{3}", "{0.75}", #"{"High"}"#, #"{"v2"}"#] && !unassigned.sql.contains("ab_assignments"))
    }
}

/// Answers gathered from several threads.
final class UncheckedAnswers: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [Int64: (status: Int, score: Double?)] = [:]
    func record(_ id: Int64, status: Int, score: Double?) {
        lock.lock()
        answers[id] = (status, score)
        lock.unlock()
    }
    var all: [Int64: (status: Int, score: Double?)] {
        lock.lock()
        defer { lock.unlock() }
        return answers
    }
}

/// The writer and its standby may commit batches that share leads (two requests for one lead
/// at once). Each batch locks its leads in id order before it writes, so two such batches
/// wait for each other but never deadlock; locked in the order they came (as they were before),
/// PostgreSQL failed one after a second (`deadlock_timeout`), a 503 for each of its requests.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct GroupCommitLockOrderTests {
    @Test func batchesSharingLeadsDoNotDeadlock() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            // Enough leads that PostgreSQL finds them through the index, in the order given.
            let leads = Array(ServingFixture.shared.leads.prefix(2000))
            try LeadStore.insert(agents: ServingFixture.shared.agents, leads: leads, into: db)
            try db.query("ANALYZE leads")
            let ids = leads.map(\.id).sorted()
            let (low, middle, high) = (ids[10], ids[1000], ids[1990])
            let failures = UncheckedAnswers(), group = DispatchGroup()
            @Sendable func write(_ leads: [Int64]) {
                let statement = ScoreWriteBatch.statement(for: leads.map {
                    ScoreWriteBatch.Write(leadID: $0, score: 0.5, quality: "Low", modelVersion: "v", abTest: nil)
                })
                do {
                    try PostgresConnection(url: url).query(statement.sql, statement.parameters)
                } catch {
                    failures.record(leads[0], status: 503, score: nil)
                }
            }
            // Another transaction holds the middle lead: the first batch waits for it holding
            // the low one; the second batch comes with the high one first and must not take it.
            let locker = try PostgresConnection(url: url)
            try locker.query("BEGIN")
            try locker.query("SELECT id FROM leads WHERE id = $1 FOR UPDATE", [String(middle)])
            group.enter()
            Thread { write([low, middle, high]); group.leave() }.start()
            Thread.sleep(forTimeInterval: 0.3)
            group.enter()
            Thread { write([high, low]); group.leave() }.start()
            Thread.sleep(forTimeInterval: 0.3)
            try locker.query("COMMIT")
            group.wait()
            #expect(failures.all.isEmpty, "a batch failed (deadlock)")
            #expect(try db.query("SELECT count(*) FROM leads WHERE ml_score IS NOT NULL").rows[0][0] == "3")
        }
    }
}
