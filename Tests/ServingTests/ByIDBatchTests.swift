import Core
import Database
@testable import Experiments
import Foundation
import Leads
import Testing
@testable import Serving
import TestSupport

/// The by-id route's batched reads (``LeadReadBatch`` through ``BatchQueue``) and its cached
/// running A/B test (``RunningTestCache``): under concurrency each request gets its own lead,
/// scored as the body route scores it; a missing or damaged lead fails only its own request
/// in a shared batch; and a test created or stopped through the API is seen at once.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct ByIDBatchTests {
    /// Leads of the shared fixture stored in a fresh database; returns its connection.
    static func database(_ url: String, leads count: Int) throws -> (PostgresConnection, [LeadRecord]) {
        let db = try PostgresConnection(url: url)
        try ServiceSchema.migrate(db)
        let leads = Array(ServingFixture.shared.leads.prefix(count))
        try LeadStore.insert(agents: ServingFixture.shared.agents, leads: leads, into: db)
        return (db, leads)
    }

    /// The body route's score of each stored lead, sent as `row_to_json` gives it.
    static func bodyScores(_ db: PostgresConnection, client: TestHTTPClient) throws -> [Int64: Double] {
        let rows = try db.query("""
            SELECT l.id, row_to_json(l)::text AS lead, row_to_json(a)::text AS agent
            FROM leads l LEFT JOIN agents a ON a.id = l.agent_id
            """)
        var scores: [Int64: Double] = [:]
        for row in rows {
            let body = "{\"lead\": \(try row.text("lead"))" + (try row.optionalText("agent").map { ", \"agent\": \($0)" } ?? "") + "}"
            let response = try client.request("POST", "/api/v1/lead-scoring-ml/score", body: body)
            if case .number(let score)? = response.json?["score"] { scores[try row.int64("id")] = score }
        }
        return scores
    }

    @Test func concurrentRequestsOverManyLeadsEachGetTheirOwnLead() throws {
        try TestDatabase.withFreshDatabase { url in
            let (db, leads) = try Self.database(url, leads: 300)
            let (server, service) = try ServingFixture.start(databaseURL: url)
            defer { server.stop(); server.wait() }
            let expected = try Self.bodyScores(db, client: try TestHTTPClient(port: server.port))
            #expect(expected.count == leads.count)
            // Every lead twice, and 60 unknown ids among them, from 16 connections at once.
            let ids = (leads.map(\.id) + leads.map(\.id) + (0..<60).map { 900_000 + Int64($0) }).shuffled()
            let batchesBefore = try #require(service.database).leadReadBatches
            let replies = Replies()
            let clients = 16
            DispatchQueue.concurrentPerform(iterations: clients) { client in
                guard let connection = try? TestHTTPClient(port: server.port) else { return }
                for (index, id) in ids.enumerated() where index % clients == client {
                    replies.record(index, (try? connection.request("POST", "/api/v1/lead-scoring-ml/score/\(id)")).map { ($0.status, $0.json) })
                }
            }
            let all = replies.all
            #expect(all.count == ids.count)
            for (index, reply) in all {
                let id = ids[index]
                guard let (status, json) = reply else {
                    Issue.record("lead \(id): no reply")
                    continue
                }
                if id >= 900_000 {
                    #expect(status == 404, "unknown lead \(id): \(status)")
                } else {
                    #expect(status == 200 && json?["leadId"] == .number(Double(id)), "lead \(id): \(status)")
                    #expect(json?["score"] == expected[id].map { .number($0) }, "lead \(id): the body route's score")
                }
            }
            let batches = try #require(service.database).leadReadBatches - batchesBefore
            #expect(batches < ids.count, "\(batches) read statements for \(ids.count) requests: no read was shared")
        }
    }

    /// Requests held back until they share one read statement (the readers wait on a lock of the
    /// table): the known leads are answered 200, the unknown ids 404, and the one lead whose
    /// stored values are invalid 503 `database_data_error`, alone.
    @Test func oneBatchMixesFoundMissingAndDamagedLeads() throws {
        try TestDatabase.withFreshDatabase { url in
            let (db, leads) = try Self.database(url, leads: 20)
            let damaged = leads[7].id
            try db.query("ALTER TABLE leads ALTER COLUMN pages_visited TYPE text")
            try db.query("UPDATE leads SET pages_visited = 'many' WHERE id = $1", [String(damaged)])
            let (server, service) = try ServingFixture.start(databaseURL: url)
            defer { server.stop(); server.wait() }
            let database = try #require(service.database)

            let locker = try PostgresConnection(url: url)
            try locker.query("BEGIN")
            try locker.query("LOCK TABLE leads IN ACCESS EXCLUSIVE MODE")
            // Two requests occupy both readers, which wait for the lock...
            let blockers = try (0..<service.configuration.databaseThreads).map { index in
                let client = try TestHTTPClient(port: server.port)
                try client.send("POST /api/v1/lead-scoring-ml/score/\(leads[index].id) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                Thread.sleep(forTimeInterval: 0.2)
                return client
            }
            // ...while the others queue up, to be read together once it goes.
            let found = leads[2..<7].map(\.id) + [leads[2].id], missing: [Int64] = [700_001, 700_002, 700_003]
            let asked = found + missing + [damaged]
            let clients = try asked.map { id in
                let client = try TestHTTPClient(port: server.port)
                try client.send("POST /api/v1/lead-scoring-ml/score/\(id) HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                return client
            }
            Thread.sleep(forTimeInterval: 0.5)
            let batchesBefore = database.leadReadBatches
            try locker.query("COMMIT")

            for client in blockers { #expect(try client.readResponse().status == 200) }
            for (id, client) in zip(asked, clients) {
                let response = try client.readResponse()
                let context = Comment(rawValue: "lead \(id): \(response.status) \(response.text.prefix(200))")
                if missing.contains(id) {
                    #expect(response.status == 404 && response.errorCode == "lead_not_found", context)
                } else if id == damaged {
                    #expect(response.status == 503 && response.errorCode == "database_data_error", context)
                } else {
                    #expect(response.status == 200 && response.json?["leadId"] == .number(Double(id)), context)
                }
            }
            #expect(database.leadReadBatches - batchesBefore == 1, "the held requests were read by one statement")
            let stored = try db.query("SELECT id FROM leads WHERE ml_score IS NOT NULL").rows.compactMap { $0[0].flatMap { Int64($0) } }
            #expect(Set(stored) == Set(found + leads[0..<service.configuration.databaseThreads].map(\.id)))
        }
    }

    /// The running test is cached, but a test this service creates or stops is seen by the very
    /// next by-id request; one created elsewhere (the CLI) within the cache's age bound.
    @Test func aTestStartedOrStoppedThroughTheAPIIsSeenByTheNextRequest() throws {
        try TestDatabase.withFreshDatabase { url in
            let (db, leads) = try Self.database(url, leads: 10)
            let token = "an-admin-token-of-some-length"
            let (server, _) = try ServingFixture.start(databaseURL: url, adminToken: token)
            defer { server.stop(); server.wait() }
            let client = try TestHTTPClient(port: server.port)
            let admin = ["Authorization": "Bearer \(token)"]
            let path = "/api/v1/lead-scoring-ml/score/\(leads[1].id)"

            #expect(try client.request("POST", path).json?["abTest"] == nil)  // caches "no test"
            #expect(try client.request("POST", "/api/v1/ab-testing/tests", body: #"{"name": "first"}"#, headers: admin).status == 201)
            #expect(try client.request("POST", path).json?["abTest"]?["testName"] == .string("first"))
            #expect(try client.request("POST", "/api/v1/ab-testing/tests/first/stop", headers: admin).status == 200)
            #expect(try client.request("POST", path).json?["abTest"] == nil)

            // Created by another process: seen once the cached answer is older than its bound.
            _ = try ABTestStore(db).create(ABTestDefinition(name: "elsewhere"))
            let started = monotonicSeconds()
            var seenAfter: Double?
            while seenAfter == nil, monotonicSeconds() - started < 5 {
                if try client.request("POST", path).json?["abTest"]?["testName"] == .string("elsewhere") {
                    seenAfter = monotonicSeconds() - started
                } else {
                    Thread.sleep(forTimeInterval: 0.02)
                }
            }
            let after = try #require(seenAfter, "the test created elsewhere was never seen")
            #expect(after < RunningTestCache.maximumAge + 1)
        }
    }

    /// A write-back that names a test stopped meanwhile (a stale cache) stores the score but no
    /// assignment.
    @Test func aStaleTestGetsNoAssignment() throws {
        try TestDatabase.withFreshDatabase { url in
            let (db, leads) = try Self.database(url, leads: 3)
            let store = ABTestStore(db)
            _ = try store.create(ABTestDefinition(name: "stopped"))
            try store.stop("stopped")
            let database = LeadDatabase(url: url, callers: 1, readers: 1)
            try awaitResult { database.writeScore(id: leads[0].id, score: 0.5, quality: "High", modelVersion: "v", abTest: ("stopped", "treatment"), then: $0) }
            #expect(try db.query("SELECT ml_score FROM leads WHERE id = $1", [String(leads[0].id)]).rows[0][0] == "0.5")
            #expect(try db.query("SELECT count(*) FROM ab_assignments").rows[0][0] == "0")
        }
    }
}

/// The cache's rules, without a database.
@Suite struct RunningTestCacheTests {
    static let test = ABTest(name: "t", description: "", arms: ABArm.controlAndTreatment(controlPercent: 50), status: .running, primaryMetric: .conversionRate,
                             alpha: 0.05, minimumDetectableEffect: 0.1, startedAt: 0, stoppedAt: nil)

    struct ReadFailed: Error {}

    @Test func readsAtMostOncePerAgeBoundAndAgainAfterAnInvalidation() throws {
        let cache = RunningTestCache()
        var reads = 0
        for _ in 0..<100 { #expect(try cache.current { reads += 1; return Self.test } == Self.test) }
        #expect(reads == 1)
        cache.invalidate()
        #expect(try cache.current { reads += 1; return nil } == nil)
        #expect(reads == 2)
        Thread.sleep(forTimeInterval: RunningTestCache.maximumAge + 0.05)
        #expect(try cache.current { reads += 1; return Self.test } == Self.test)
        #expect(reads == 3)
    }

    @Test func aFailedReadIsNotKept() throws {
        let cache = RunningTestCache()
        #expect(throws: ReadFailed.self) { try cache.current { throw ReadFailed() } }
        #expect(throws: ReadFailed.self) { try cache.current { throw ReadFailed() } }
        #expect(try cache.current { Self.test } == Self.test)
    }

    /// A read that started before an invalidation may hold the old state: it answers its own
    /// caller but is not kept.
    @Test func aReadOverlappingAnInvalidationIsNotKept() throws {
        let cache = RunningTestCache()
        #expect(try cache.current { cache.invalidate(); return nil } == nil)
        #expect(try cache.current { Self.test } == Self.test)
    }
}

/// The batching machinery shared by the reads and the write-backs.
@Suite struct BatchQueueTests {
    /// Items submitted while the only worker is busy are processed as one batch, each caller
    /// getting its own output; a batch that throws fails each of its callers.
    @Test func itemsWaitingTogetherShareABatch() throws {
        let gate = DispatchSemaphore(value: 0)
        let sizes = LockedValues()
        let queue = BatchQueue<Int, Int>(name: "test-batch", workers: 1, maximumBatch: 100) { batch, _ in
            sizes.append(batch.count)
            if batch == [0] { gate.wait() }  // the first batch holds the worker
            if batch.contains(-1) { throw RunningTestCacheTests.ReadFailed() }
            return batch.map { $0 * 10 }
        }
        defer { queue.stop() }
        let results = LockedValues()
        let group = DispatchGroup()
        func submit(_ item: Int) {
            group.enter()
            queue.submit(item) { result in
                if case .success(let value) = result { results.append(value) }
                group.leave()
            }
        }
        submit(0)
        while queue.batchesTaken == 0 { Thread.sleep(forTimeInterval: 0.01) }
        for item in 1...20 { submit(item) }  // all waiting: the worker is held by the first batch
        gate.signal()
        group.wait()
        #expect(sizes.values == [1, 20])
        #expect(results.values.sorted() == (0...20).map { $0 * 10 })

        #expect(throws: RunningTestCacheTests.ReadFailed.self) { try awaitResult { queue.submit(-1, then: $0) } }
        #expect(try awaitResult { queue.submit(4, then: $0) } == 40)
    }

    /// Worker 0 takes every batch while it keeps up; a standby takes what waits while worker 0
    /// is stuck on a batch (a locked row), once it has waited ``BatchQueue/standbyDelay``.
    @Test func aStandbyTakesOverOnlyWhileTheFirstWorkerIsStuck() throws {
        let gate = DispatchSemaphore(value: 0)
        let workers = LockedValues()
        let queue = BatchQueue<Int, Int>(name: "test-standby", workers: 2, maximumBatch: 100) { batch, worker in
            if batch == [0] { gate.wait() }
            return batch.map { _ in worker }
        }
        defer { queue.stop() }
        for item in 1...20 { workers.append(try awaitResult { queue.submit(item, then: $0) }) }
        #expect(workers.values.filter { $0 == 0 }.count > 10, "worker 0 keeps up with one item at a time: \(workers.values)")

        let stuck = DispatchSemaphore(value: 0)
        queue.submit(0) { _ in stuck.signal() }
        while queue.batchesTaken < 21 { Thread.sleep(forTimeInterval: 0.001) }  // worker 0 holds it
        let started = monotonicSeconds()
        #expect(try awaitResult { queue.submit(1, then: $0) } == 1, "the standby took it")
        #expect(monotonicSeconds() - started >= BatchQueue<Int, Int>.standbyDelay)
        gate.signal()
        stuck.wait()
    }
}

/// The result a continuation-style call gives, waited for (tests may block; the service never
/// waits for the database on a request's behalf).
func awaitResult<T>(_ start: (@escaping (Result<T, any Error>) -> Void) -> Void) throws -> T {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, any Error>?
    start { outcome in
        result = outcome
        done.signal()
    }
    done.wait()
    return try result!.get()
}

/// Replies by request index, gathered from several threads.
private final class Replies: @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [Int: (status: Int, json: JSONValue?)?] = [:]
    var all: [Int: (status: Int, json: JSONValue?)?] { lock.withLock { replies } }
    func record(_ index: Int, _ reply: (status: Int, json: JSONValue?)?) { lock.withLock { replies[index] = reply } }
}

/// Integers gathered from several threads.
private final class LockedValues: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [Int] = []
    var values: [Int] { lock.withLock { collected } }
    func append(_ value: Int) { lock.withLock { collected.append(value) } }
}
