import Core
import Database
import Evaluation
@testable import Experiments
import Foundation
import Leads
import Testing
@testable import Serving
import TestSupport
import Training

/// Live quality of stored scores (``PredictionMonitoring``): the AUC, log loss and calibration
/// error computed in SQL equal ``RankingMetrics``, ``ProbabilityMetrics`` and ``ClassificationMetrics`` on the same
/// leads, per version and vertical and over all verticals; leads without an outcome or outside
/// the window do not count; the levels follow the thresholds; the route and `mlctl monitor` agree.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct PredictionMonitoringTests {
    @Test func figuresComputedInSQLEqualTheLibrarysAndLevelsFollowTheThresholds() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let generator = SyntheticLeadGenerator(seed: 11, windowEnd: Date().timeIntervalSince1970, windowDays: 20)
            let agents = generator.agents()
            var leads = generator.leads(0..<3_000, agents: agents)
            // Scores: informative for v1 (a noisy copy of the outcome), and ties on a grid so the
            // rank ties matter; v2 is noise; every 10th lead has no outcome yet, every 7th was
            // scored too long ago to count.
            var random = SeededGenerator(seed: 4)
            var versionOf: [Int64: String] = [:], scoreOf: [Int64: Double] = [:], recentOf: [Int64: Bool] = [:]
            for index in leads.indices {
                let id = leads[index].id
                if index % 10 == 0 { leads[index].converted = nil }
                let converted = leads[index].converted == true
                let version = index % 3 == 0 ? "v2/global" : "v1/global"
                let score = version == "v1/global" ? min(1, max(0, (converted ? 0.35 : 0.1) + 0.25 * random.nextDouble())) : random.nextDouble()
                versionOf[id] = version
                scoreOf[id] = (score * 40).rounded() / 40
                recentOf[id] = index % 7 != 0
            }
            try LeadStore.insert(agents: agents, leads: leads, into: db)
            for lead in leads {
                try db.query("UPDATE leads SET ml_score = $2, ml_model_version = $3, scored_at = now() - make_interval(days => $4::int) WHERE id = $1",
                             [String(lead.id), "\(scoreOf[lead.id]!)", versionOf[lead.id]!, recentOf[lead.id]! ? "1" : "40"])
            }
            // Score profiles: v1's own recent scores (no drift), and for v2 the same v1 profile,
            // against which v2's uniform scores drift. The scores lie on a grid, so many equal an
            // edge: SQL's width_bucket and ScoreProfile.bin must put them in the same bin.
            let recentScores = { (version: String) in leads.filter { versionOf[$0.id] == version && recentOf[$0.id]! }.map { scoreOf[$0.id]! } }
            let v1Profile = try #require(ScoreProfile.make(scores: recentScores("v1/global")))
            #expect(v1Profile.edges.contains { edge in recentScores("v1/global").contains(edge) })
            let monitoring = try PredictionMonitoring.read(from: db, days: 30, expected: {
                $0 == "v1/global" ? .init(auc: 0.99, scores: v1Profile) : .init(scores: v1Profile)
            })
            #expect(Set(monitoring.rows.map(\.version)) == ["v1/global", "v2/global"])
            for row in monitoring.rows {
                let mine = leads.filter { versionOf[$0.id] == row.version && recentOf[$0.id]! && (row.vertical == "all" || $0.vertical == row.vertical) }
                let known = mine.filter { $0.converted != nil }
                let scores = known.map { scoreOf[$0.id]! }, labels = known.map { UInt8($0.converted! ? 1 : 0) }
                #expect(row.scored == mine.count && row.withOutcome == known.count && row.conversions == labels.filter { $0 == 1 }.count)
                // Same definitions, summed in another order: equal to rounding.
                #expect(abs(row.auc! - RankingMetrics.rocAUC(scores: scores, labels: labels)) < 1e-12, "\(row.version) \(row.vertical)")
                #expect(abs(row.logLoss! - ProbabilityMetrics.logLoss(probabilities: scores, labels: labels)) < 1e-12)
                let rows = try ScoredRows(scores: scores, labels: labels)
                #expect(abs(row.calibrationError! - ClassificationMetrics.expectedCalibrationError(rows)) < 1e-12)
                #expect(abs(row.meanScore - mine.map { scoreOf[$0.id]! }.reduce(0, +) / Double(mine.count)) < 1e-12)
            }
            for row in monitoring.rows {
                guard row.vertical == "all" else { #expect(row.scoreDrift == nil); continue }
                var counts = [Int](repeating: 0, count: v1Profile.shares.count)
                for score in recentScores(row.version) { counts[v1Profile.bin(score)] += 1 }
                #expect(abs(row.scoreDrift! - PopulationStability.index(expected: v1Profile.shares, counts: counts)) < 1e-12, "\(row.version)")
            }
            let v1 = try #require(monitoring.rows.first { $0.version == "v1/global" && $0.vertical == "all" })
            #expect(v1.scoreDrift! < 1e-12, "the profile of the very scores stored: no drift")
            #expect(v1.auc! > 0.8 && v1.level == .alert && v1.reasons[0].contains("against 0.9900"), "\(v1)")
            let v2 = try #require(monitoring.rows.first { $0.version == "v2/global" && $0.vertical == "all" })
            #expect(abs(v2.auc! - 0.5) < 0.08 && v2.expectedAUC == nil)
            #expect(v2.scoreDrift! > 0.25 && v2.reasons.contains { $0.contains("score drift") && $0.contains("alert level") }, "\(v2)")
            #expect(monitoring.level == .alert)

            // Levels: below the minimum per class a row is not judged.
            var few = v1
            few.conversions = 5
            #expect(PredictionMonitoring.judge(few, .init()).0 == .insufficient)
            var close = v1
            close.expectedAUC = v1.auc! + 0.01
            close.calibrationError = 0.01
            #expect(PredictionMonitoring.judge(close, .init()).0 == .ok)
            close.expectedAUC = v1.auc! + 0.035
            #expect(PredictionMonitoring.judge(close, .init()).0 == .warning)
            close.calibrationError = 0.2
            #expect(PredictionMonitoring.judge(close, .init()).0 == .alert)
            // Score drift is judged without outcomes, once enough leads were scored.
            few.scoreDrift = 0.3
            #expect(PredictionMonitoring.judge(few, .init()).0 == .alert)
            few.scoreDrift = 0.15
            #expect(PredictionMonitoring.judge(few, .init()).0 == .warning)
            few.scoreDrift = 0.05
            #expect(PredictionMonitoring.judge(few, .init()).0 == .insufficient)
            few.scoreDrift = 0.3
            few.scored = 99
            #expect(PredictionMonitoring.judge(few, .init()).0 == .insufficient)

            // The route gives the same figures; days is checked.
            let (server, _) = try ServingFixture.start(databaseURL: url)
            defer { server.stop(); server.wait() }
            let client = try TestHTTPClient(port: server.port)
            let response = try client.request("GET", "/api/v1/lead-scoring-ml/monitoring?days=30")
            #expect(response.status == 200, "\(response.text)")
            guard case .array(let versions)? = response.json?["versions"] else { Issue.record("\(response.text)"); return }
            #expect(versions.count == monitoring.rows.count)
            #expect(versions.first { $0["version"] == .string("v2/global") && $0["vertical"] == .string("all") }?["auc"] == .number(v2.auc!))
            #expect(try client.request("GET", "/api/v1/lead-scoring-ml/monitoring?days=0").status == 400)
            #expect(try client.request("GET", "/api/v1/lead-scoring-ml/monitoring?days=x").status == 400)

            // mlctl monitor: the table, JSON, and the exit status a retraining job keys on.
            let table = try CommandRunner.run(["monitor", "--database-url", url, "--days", "30"])
            #expect(table.status == 0 && table.standardOutput.contains("v2/global"), "\(table.standardError)")
            let failing = try CommandRunner.run(["monitor", "--database-url", url, "--fail-at", "warning", "--days", "30"])
            // Without a registry there is no test AUC to fall below, but v2's uniform scores are far from calibrated.
            #expect(failing.status == 3 && failing.standardOutput.contains("ALERT v2/global all"), "\(failing.standardOutput)")
        }
    }

    /// Reports run off the event loop: while another session holds the leads and tests
    /// tables locked, the monitoring and A/B-results requests wait, and `/health` on the
    /// service's only event loop still answers at once; both answer once the lock is released.
    @Test func reportsWaitingOnTheDatabaseDoNotStallTheEventLoop() throws {
        try TestDatabase.withFreshDatabase { url in
            let locker = try PostgresConnection(url: url)
            try ServiceSchema.migrate(locker)
            let (server, _) = try ServingFixture.start(databaseURL: url, configure: { $0.threads = 1 })
            defer { server.stop(); server.wait() }
            try locker.query("BEGIN")
            try locker.query("LOCK TABLE leads, ab_tests IN ACCESS EXCLUSIVE MODE")
            let statuses = IntegersByIndex()
            let group = DispatchGroup()
            for (index, path) in ["/api/v1/lead-scoring-ml/monitoring", "/api/v1/ab-testing/tests/none/results"].enumerated() {
                DispatchQueue.global().async(group: group) {
                    let response = try? TestHTTPClient(port: server.port, timeout: 30).request("GET", path)
                    statuses.set(index, response?.status ?? -1)
                }
            }
            Thread.sleep(forTimeInterval: 0.5)  // both reports are now waiting on the lock
            let health = try TestHTTPClient(port: server.port)
            for _ in 0..<5 {
                let started = monotonicSeconds()
                #expect(try health.request("GET", "/health").status == 200)
                #expect(monotonicSeconds() - started < 0.5, "the event loop answered /health while the reports waited")
            }
            #expect(statuses.get(0) == nil && statuses.get(1) == nil, "the reports are still waiting")
            try locker.query("COMMIT")
            #expect(group.wait(timeout: .now() + 30) == .success)
            #expect(statuses.get(0) == 200 && statuses.get(1) == 404)
        }
    }
}

/// Integers by index, set from several threads.
private final class IntegersByIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: Int] = [:]
    func set(_ index: Int, _ value: Int) { lock.withLock { values[index] = value } }
    func get(_ index: Int) -> Int? { lock.withLock { values[index] } }
}
