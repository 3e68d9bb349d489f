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

/// Tests of more than two arms, and arms scored by registry versions (issue #27): the arm
/// grammar, assignment over many arms, the analysis of each arm against the control, and by-id
/// scoring in which each lead is scored by its arm's version, loaded next to the served one.
@Suite struct ABArmsTests {
    @Test(arguments: [
        ("rules", ABScorer.rules), ("current", .current), ("v3", .version("v3")), ("v12/pc", .bundle(version: "v12", name: "pc")),
        ("v3/gbdt-leafwise", .bundle(version: "v3", name: "gbdt-leafwise")),
    ])
    func scorersParse(text: String, scorer: ABScorer) {
        #expect(ABScorer.parse(text) == scorer)
        #expect(scorer.description == text)
    }

    @Test(arguments: ["", "v", "x3", "V3", "v3/", "v3/a/b", "v3/..", "v3/.", "v12345678901", "current/pc", "rules ", "v3/a b", "v-1"])
    func otherScorersAreRefused(text: String) {
        #expect(ABScorer.parse(text) == nil)
    }

    /// Each rule of ``ABArm/validate(_:)`` with the field it names.
    @Test(arguments: [
        ("control=rules:50,b=v2:50", nil),
        ("control=rules:50,a=current:25,b=v2/pc:25", nil),
        ("control=rules:100", "arms"),
        ("a=rules:12,b=rules:11,c=rules:11,d=rules:11,e=rules:11,f=rules:11,g=rules:11,h=rules:11,i=rules:11", "arms"),
        ("control=rules:50,control=v2:50", "arms[1].name"),
        ("control=rules:50,b c=v2:50", "arms[1].name"),
        ("control=rules:0,b=v2:100", "arms[0].percent"),
        ("control=rules:50,b=v2:49", "arms"),
    ] as [(String, String?)])
    func armListsAreValidated(text: String, field: String?) throws {
        #expect(ABArm.validate(try ABArm.parseList(text))?.field == field)
    }

    @Test(arguments: ["control=rules", "control=rules:x,b=v2:50", "control=nothing:50,b=v2:50", "=rules:50,b=v2:50,", "control:50"])
    func unreadableArmListsNameTheItem(text: String) {
        #expect(throws: FieldError.self) { _ = try ABArm.parseList(text) }
    }

    /// Three arms 50/30/20 over 100,000 ids pass the sample-ratio check, and a lead's arm is
    /// the same as in a two-arm test wherever the cumulative boundaries agree.
    @Test func assignmentOverManyArmsFollowsTheSplit() {
        var counts = [0, 0, 0]
        for id in Int64(1)...100_000 {
            counts[ABAssignment.armIndex(bucket: ABAssignment.bucket(testName: "three", leadID: id), percents: [50, 30, 20])] += 1
        }
        #expect(SampleRatioCheck(observed: counts, shares: [0.5, 0.3, 0.2]).passed, "\(counts)")
        #expect((0..<10_000).allSatisfy { bucket in
            (ABAssignment.armIndex(bucket: bucket, percents: [50, 30, 20]) == 0) == (ABAssignment.armIndex(bucket: bucket, percents: [50, 50]) == 0)
        })
    }

    static func outcome(_ name: String, leads: Int, conversions: Int) -> VariantOutcome {
        VariantOutcome(name: name, totals: VariantTotals(leads: leads, conversions: conversions, accepted: conversions * 2, revenue: Double(conversions) * 300,
                                                         revenueSquares: Double(conversions) * 90_000),
                       timeToConversionHours: MeanSample(count: 0, mean: .nan, variance: 0), medianTimeToConversionHours: nil)
    }

    static func test(_ arms: [ABArm], status: ABTest.Status = .stopped) -> ABTest {
        ABTest(name: "t", description: "", arms: arms, status: status, primaryMetric: .conversionRate, alpha: 0.05,
               minimumDetectableEffect: 0.1, startedAt: 0, stoppedAt: status == .stopped ? 86_400 : nil)
    }

    /// Each comparison is the two-arm analysis of that pair at α / (arms − 1) with the pair's
    /// own control share; a two-arm test keeps α whole and its comparison's recommendation.
    @Test func eachArmIsComparedWithTheControlAtASplitAlpha() {
        let arms = [ABArm(name: "control", scorer: .rules, percent: 40), ABArm(name: "a", scorer: .current, percent: 30),
                    ABArm(name: "b", scorer: .version("v2"), percent: 30)]
        let outcomes = [Self.outcome("control", leads: 16_000, conversions: 1_600), Self.outcome("a", leads: 12_000, conversions: 1_260),
                        Self.outcome("b", leads: 12_000, conversions: 1_500)]
        let analysis = ABTestAnalysis(test: Self.test(arms), arms: outcomes, looks: [outcomes.map(\.totals)])
        #expect(analysis.comparisons.count == 2)
        for (index, comparison) in analysis.comparisons.enumerated() {
            let plan = ExperimentPlan(primaryMetric: .conversionRate, alpha: 0.025, minimumDetectableEffect: 0.1, controlShare: 40.0 / 70.0)
            let pair = ExperimentAnalysis(plan: plan, control: outcomes[0], treatment: outcomes[index + 1],
                                          looks: [(outcomes[0].totals, outcomes[index + 1].totals)], stopped: true)
            #expect(comparison.plan == plan)
            #expect(comparison.fixedHorizonPValue == pair.fixedHorizonPValue && comparison.alwaysValidPValue == pair.alwaysValidPValue)
            #expect(comparison.recommendation == pair.recommendation)
        }
        // b: 12.5 % against 10 % on 12,000 leads is far past α/2; a: 10.5 % is not.
        #expect(analysis.comparisons[1].recommendation == .deploy)
        #expect(analysis.recommendation == .deploy && analysis.winner == "b", "\(analysis.reasons)")
        #expect(analysis.sampleRatio.passed)

        let twoArms = ABTestAnalysis(test: Self.test(Array(arms.prefix(2))), arms: Array(outcomes.prefix(2)), looks: [])
        #expect(twoArms.comparisons[0].plan.alpha == 0.05)
        #expect(twoArms.recommendation == twoArms.comparisons[0].recommendation && twoArms.reasons == twoArms.comparisons[0].reasons)
    }

    /// Of two arms that beat the control, the better one wins; a lopsided split of leads blocks any deployment.
    @Test func theBestDeployableArmWinsAndAMismatchedSplitDeploysNothing() {
        let arms = [ABArm(name: "control", scorer: .rules, percent: 34), ABArm(name: "a", scorer: .current, percent: 33),
                    ABArm(name: "b", scorer: .version("v2"), percent: 33)]
        let good = [Self.outcome("control", leads: 17_000, conversions: 1_700), Self.outcome("a", leads: 16_500, conversions: 2_300),
                    Self.outcome("b", leads: 16_500, conversions: 2_100)]
        let analysis = ABTestAnalysis(test: Self.test(arms), arms: good, looks: [])
        #expect(analysis.comparisons.allSatisfy { $0.recommendation == .deploy })
        #expect(analysis.winner == "a")
        let lopsided = [Self.outcome("control", leads: 17_000, conversions: 1_700), Self.outcome("a", leads: 12_000, conversions: 1_700),
                        Self.outcome("b", leads: 16_500, conversions: 2_100)]
        let mismatched = ABTestAnalysis(test: Self.test(arms), arms: lopsided, looks: [])
        #expect(!mismatched.sampleRatio.passed && mismatched.recommendation == .iterate && mismatched.winner == nil)
        let worse = [Self.outcome("control", leads: 17_000, conversions: 2_100), Self.outcome("a", leads: 16_500, conversions: 1_500),
                     Self.outcome("b", leads: 16_500, conversions: 1_400)]
        #expect(ABTestAnalysis(test: Self.test(arms), arms: worse, looks: []).recommendation == .rollBack)
    }
}

/// By-id scoring of a four-arm test in PostgreSQL: the rules, the served version, another
/// registry version and one bundle of the served version, each lead by its arm.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct ABArmsDatabaseTests {
    /// The shared fixture registry copied, with a version v2 (not current) whose global model
    /// is v1's tree bundle alone, so that its scores differ from v1's.
    static func registryWithASecondVersion() throws -> URL {
        let root = TestPaths.temporaryDirectory("mlctl-ab-arms")
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.copyItem(at: ServingFixture.shared.registry, to: root)
        let registry = ModelRegistry(root: root)
        let v1 = try #require(registry.current())
        let v2 = try registry.addVersion { directory in
            try FileManager.default.copyItem(at: registry.directory(of: v1).appendingPathComponent("gbdt"),
                                             to: directory.appendingPathComponent("global"))
        }
        #expect(registry.current() == v1 && v2 != v1)
        return root
    }

    @Test func eachLeadIsScoredByItsArmsModelAndRecorded() throws {
        let root = try Self.registryWithASecondVersion()
        defer { try? FileManager.default.removeItem(at: root) }
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let leads = Array(ServingFixture.shared.leads.prefix(120))
            try LeadStore.insert(agents: ServingFixture.shared.agents, leads: leads, into: db)
            let token = "an-admin-token-of-some-length"
            let log = LogLines()
            let (server, service) = try ServingFixture.start(models: root, databaseURL: url, adminToken: token, serviceLog: log.serviceLog(.json))
            defer { server.stop(); server.wait() }
            let client = try TestHTTPClient(port: server.port)
            let admin = ["Authorization": "Bearer \(token)"]

            // Refused: a version that does not exist, a bundle that does not, two arms of one name.
            for (arms, field) in [(#"[{"name": "c", "model": "rules", "percent": 50}, {"name": "x", "model": "v9", "percent": 50}]"#, "arms[1].model"),
                                  (#"[{"name": "c", "model": "rules", "percent": 50}, {"name": "x", "model": "v1/nope", "percent": 50}]"#, "arms[1].model"),
                                  (#"[{"name": "c", "model": "rules", "percent": 50}, {"name": "c", "model": "v2", "percent": 50}]"#, "arms[1].name"),
                                  (#"[{"name": "c", "model": "rules", "percent": 50}, {"name": "x", "model": "v2", "percent": 50, "extra": 1}]"#, "arms[1].extra")] {
                let refused = try client.request("POST", "/api/v1/ab-testing/tests", body: #"{"name": "bad", "arms": \#(arms)}"#, headers: admin)
                #expect(refused.status == 422 && refused.text.contains(field), "\(refused.text)")
            }
            let both = try client.request("POST", "/api/v1/ab-testing/tests",
                                          body: #"{"name": "bad", "split": {"control": 50, "treatment": 50}, "arms": []}"#, headers: admin)
            #expect(both.status == 422, "\(both.text)")

            let body = #"""
                {"name": "four_arms", "arms": [{"name": "rules", "model": "rules", "percent": 25}, {"name": "champion", "model": "current", "percent": 25},
                 {"name": "challenger", "model": "v2", "percent": 25}, {"name": "pc_only", "model": "v1/pc", "percent": 25}]}
                """#
            let created = try client.request("POST", "/api/v1/ab-testing/tests", body: body, headers: admin)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json?["split"]?["challenger"] == .number(25))

            // What each arm's model gives each lead, computed here from the stored lead.
            let registry = ModelRegistry(root: root)
            let catalogs: [String: ModelCatalog] = [
                "champion": try ModelCatalog.load(from: root), "challenger": try ModelCatalog.load(registry: registry, version: "v2"),
                "pc_only": try ModelCatalog.load(registry: registry, version: "v1").pinned(to: "pc"),
            ]
            let test = try ABTestStore(db).test(named: "four_arms")
            var armsSeen: Set<String> = []
            for lead in leads {
                let scored = try client.request("POST", "/api/v1/lead-scoring-ml/score/\(lead.id)?factors=0")
                #expect(scored.status == 200, "\(scored.text)")
                let arm = test.arms[ABAssignment.armIndex(of: test, leadID: lead.id)]
                armsSeen.insert(arm.name)
                #expect(scored.json?["abTest"]?["variant"] == .string(arm.name))
                let stored = try #require(try LeadReadBatch.rows(of: [lead.id], on: db)[0])
                let (record, agent) = try LeadRow.decode(stored)
                let expected: (score: Double, version: String)
                if let catalog = catalogs[arm.name] {
                    let score = try LeadScorer.score(lead: record, agent: agent, catalog: catalog, useVerticalModel: true, factors: 0)
                    expected = (score.score, score.model.versionLabel)
                } else {
                    expected = (RuleBasedLeadScorer.score(record, agent: agent, factors: 0).score, RuleBasedLeadScorer.versionLabel)
                }
                #expect(scored.json?["score"] == .number(expected.score) && scored.json?["modelVersion"] == .string(expected.version),
                        "lead \(lead.id) in \(arm.name): \(scored.text)")
                let row = try db.query("SELECT variant, score, model_version FROM ab_assignments WHERE test_name = 'four_arms' AND lead_id = $1",
                                       [String(lead.id)])
                #expect(row.rows.first?[0] == arm.name && row.rows.first?[1].flatMap(Double.init) == expected.score
                        && row.rows.first?[2] == expected.version)
            }
            #expect(armsSeen == ["rules", "champion", "challenger", "pc_only"])
            // The challenger's and the pinned bundle's versions show in the stored scores.
            let versions = try db.query("SELECT DISTINCT model_version FROM ab_assignments ORDER BY 1").rows.map { $0[0] ?? "" }
            #expect(versions.contains("v2/global") && versions.contains("v1/pc") && versions.contains("v1/global"), "\(versions)")

            // The challenger's inputs are watched for drift under its own version, one row per lead it scored.
            let drift = try client.request("GET", "/api/v1/lead-scoring-ml/drift")
            guard case .array(let watched)? = drift.json?["models"] else { Issue.record("\(drift.text)"); return }
            let challengerLeads = leads.filter { test.arms[ABAssignment.armIndex(of: test, leadID: $0.id)].name == "challenger" }.count
            #expect(watched.first { $0["version"] == .string("v2/global") }?["observations"] == .number(Double(challengerLeads)), "\(drift.text.prefix(400))")
            #expect(watched.filter { $0["version"] == .string("v1/global") }.count == 1)
            // Its drift alerts are logged under its version: 150 rows of missing inputs fill
            // every feature's missing bin.
            let challenger = try #require(service.armModels.driftMonitors().first { $0.label == "v2/global" })
            let encoder = try #require(catalogs["challenger"]?.global).encoder
            challenger.monitor.record(encoded: encoder.encode(rows: 150) { _, _ in .missing }, rows: 150)
            service.checkDrift()
            let alerts = log.objects.compactMap { $0 }.filter { $0["event"] == .string("drift_alert") }
            #expect(!alerts.isEmpty && alerts.allSatisfy { $0["version"] == .string("v2/global") && $0["model"] == .string("global") },
                    "\(alerts)")

            // Results: every arm, three comparisons at α / 3.
            let results = try client.request("GET", "/api/v1/ab-testing/tests/four_arms/results")
            #expect(results.status == 200)
            guard case .array(let variants)? = results.json?["variants"], case .array(let comparisons)? = results.json?["comparisons"] else {
                Issue.record("no variants or comparisons: \(results.text)")
                return
            }
            #expect(variants.map { $0["name"] } == ["rules", "champion", "challenger", "pc_only"].map { .string($0) })
            #expect(variants.map { $0["leads"] }.compactMap { if case .number(let n)? = $0 { Int(n) } else { nil } }.reduce(0, +) == leads.count)
            #expect(comparisons.count == 3 && comparisons.allSatisfy { $0["alpha"] == .number(0.05 / 3) && $0["control"] == .string("rules") })
            #expect(results.json?["primaryMetric"] == nil, "a test of more than two arms has no single comparison at the top")
        }
    }
}

/// Canary rollouts (``Canary``): start, one test at a time, by-id leads on the canary's
/// version, abort, and promotion refused on evidence against it unless forced.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct CanaryTests {
    @Test func aCanaryServesItsShareAndEndsByAbortOrPromotion() throws {
        let root = try ABArmsDatabaseTests.registryWithASecondVersion()
        defer { try? FileManager.default.removeItem(at: root) }
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let leads = Array(ServingFixture.shared.leads.prefix(200))
            try LeadStore.insert(agents: ServingFixture.shared.agents, leads: leads, into: db)
            let registry = ModelRegistry(root: root)
            let canary = Canary(store: ABTestStore(db), registry: registry)

            #expect(throws: Canary.Refusal.versionIsCurrent("v1")) { try canary.start(version: "v1", percent: 10) }
            #expect(throws: Canary.Refusal.self) { try canary.start(version: "v7", percent: 10) }
            #expect(throws: ABTestError.self) { try canary.start(version: "v2", percent: 80) }
            #expect(throws: Canary.Refusal.noCanaryRunning) { try canary.abort() }

            let test = try canary.start(version: "v2", percent: 30, at: 1_780_000_000)
            #expect(test.name == "canary-v2-20260528T202640Z" && test.arms.map(\.scorer) == [.current, .version("v2")] && test.arms[1].percent == 30)
            #expect(throws: Canary.Refusal.anotherTestRunning(test.name)) { try canary.start(version: "v2", percent: 10) }

            // The service scores the canary's share by v2, the rest by the current version.
            let (server, _) = try ServingFixture.start(models: root, databaseURL: url)
            defer { server.stop(); server.wait() }
            let client = try TestHTTPClient(port: server.port)
            var versions: [String: Int] = [:]
            for lead in leads {
                let scored = try client.request("POST", "/api/v1/lead-scoring-ml/score/\(lead.id)?factors=0")
                let inCanary = ABAssignment.armIndex(of: test, leadID: lead.id) == 1
                guard case .string(let version)? = scored.json?["modelVersion"] else { Issue.record("\(scored.text)"); continue }
                #expect((version == "v2/global") == inCanary, "lead \(lead.id): \(version)")
                versions[version, default: 0] += 1
            }
            #expect((versions["v2/global"] ?? 0) > 30 && (versions["v2/global"] ?? 0) < 90, "\(versions)")
            #expect(try canary.status().analysis.arms.map(\.totals.leads).reduce(0, +) == leads.count)

            #expect(try canary.abort().status == .stopped)
            #expect(registry.current() == "v1")
            let none = try canary.running()
            #expect(none == nil)
        }
    }

    /// A canary that never converts while the champion does: promotion is refused with the
    /// results' reasons, and goes through only when forced.
    @Test func promotionIsRefusedWhenTheResultsSayRollBack() throws {
        let root = try ABArmsDatabaseTests.registryWithASecondVersion()
        defer { try? FileManager.default.removeItem(at: root) }
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try ServiceSchema.migrate(db)
            let registry = ModelRegistry(root: root)
            let canary = Canary(store: ABTestStore(db), registry: registry)
            let generator = SyntheticLeadGenerator(seed: 3, windowEnd: 1_780_000_000, windowDays: 30)
            let agents = generator.agents()
            var leads = generator.leads(0..<6_000, agents: agents)
            let test = try canary.start(version: "v2", percent: 50, at: generator.windowEnd - 30 * 86_400)
            let arms = leads.indices.map { index in
                let arm = test.arms[ABAssignment.armIndex(of: test, leadID: leads[index].id)].name
                if arm == "canary" { leads[index].converted = false; leads[index].convertedAt = nil; leads[index].revenue = nil }
                return arm
            }
            try LeadStore.insert(agents: agents, leads: leads, into: db, alsoInTransaction: { db in
                try ABSimulation.insertAssignments(testName: test.name, leads: leads, variants: arms, into: db)
            })
            #expect(try canary.status().analysis.recommendation == .rollBack)
            do {
                _ = try canary.promote()
                Issue.record("a canary the results reject was promoted")
            } catch let refusal as Canary.Refusal {
                guard case .evidenceAgainst("v2", let reasons) = refusal else { Issue.record("\(refusal)"); return }
                #expect(!reasons.isEmpty)
            }
            let stillRunning = try canary.running()
            #expect(registry.current() == "v1" && stillRunning != nil)
            let promoted = try canary.promote(force: true)
            #expect(promoted.version == "v2" && promoted.test.status == .stopped && registry.current() == "v2")
        }
    }
}
