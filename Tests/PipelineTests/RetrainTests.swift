import Core
import Database
import Evaluation
import Foundation
import Leads
@testable import Pipeline
import Testing
import TestSupport
import Training

/// The retraining loop's rule (``RetrainPolicy``) on made-up evidence, and one turn of the
/// loop (``Retrain``) against PostgreSQL: a version better than a useless current one is
/// promoted; retraining on the same data again keeps the current version; the decisions are
/// recorded.
@Suite struct RetrainPolicyTests {
    /// Scores of `rows` holdout rows: labels 1 with probability 0.2; each score is the label
    /// plus noise of `noise` (less noise ranks better), squashed into (0, 1).
    static func scores(rows: Int, noise: Double, seed: UInt64, labels: [UInt8]) -> [Double] {
        var random = SeededGenerator(seed: seed)
        return labels.map { y in 1 / (1 + exp(-(Double(y) * 2 - 1.5 + noise * (random.nextDouble() * 2 - 1)))) }
    }

    static func labels(_ rows: Int) -> [UInt8] {
        var random = SeededGenerator(seed: 99)
        return (0..<rows).map { _ in random.nextDouble() < 0.2 ? 1 : 0 }
    }

    @Test func promotesOnlyASignificantGainThatIsWorseNowhere() throws {
        let labels = Self.labels(4000)
        let verticals = (0..<4000).map { ["pc", "health", "commercial"][$0 % 3] }
        let current = Self.scores(rows: 4000, noise: 6, seed: 1, labels: labels)
        let policy = RetrainPolicy()
        // Much less noise: significantly better everywhere.
        let better = try RetrainEvidence(current: current, new: Self.scores(rows: 4000, noise: 3, seed: 2, labels: labels), labels: labels, verticals: verticals)
        #expect(policy.decide(better).0 == .promote, "\(policy.decide(better).1)")
        // More noise: worse, never promoted (nor canaried).
        let worse = try RetrainEvidence(current: current, new: Self.scores(rows: 4000, noise: 9, seed: 3, labels: labels), labels: labels, verticals: verticals)
        #expect(policy.decide(worse).0 == .keep)
        // The same scores: not better.
        let same = try RetrainEvidence(current: current, new: current, labels: labels, verticals: verticals)
        #expect(policy.decide(same).0 == .keep)
        // A hair better, not significantly: a canary (or keep, when canaries are off).
        var slight = same
        (slight.newAUC, slight.delongZ, slight.betterOneSidedPValue) = (same.currentAUC + 0.002, 0.6, 0.27)
        #expect(policy.decide(slight).0 == .canary)
        var noCanary = policy
        noCanary.canaryOnInsignificantGain = false
        #expect(noCanary.decide(slight).0 == .keep)
        // Better overall, but much worse on one vertical: kept.
        var mixed = Self.scores(rows: 4000, noise: 2, seed: 4, labels: labels)
        let pcNoise = Self.scores(rows: 4000, noise: 30, seed: 5, labels: labels)
        for i in 0..<4000 where verticals[i] == "pc" { mixed[i] = pcNoise[i] }
        let vertical = try RetrainEvidence(current: current, new: mixed, labels: labels, verticals: verticals)
        #expect(vertical.newAUC > vertical.currentAUC)
        let (decision, reasons) = policy.decide(vertical)
        #expect(decision == .keep && reasons.last!.contains("pc"), "\(reasons)")
        // The same ranking with probabilities pushed to the extremes: no better, and worse log loss.
        let extreme = current.map { 1 / (1 + exp(-8 * log($0 / (1 - $0)))) }
        let overconfident = try RetrainEvidence(current: current, new: extreme, labels: labels, verticals: verticals)
        #expect(overconfident.logLossWorseOneSidedPValue < 0.05 && policy.decide(overconfident).0 == .keep)
    }
}

@Suite(.enabled(if: TestDatabase.isConfigured)) struct RetrainDatabaseTests {
    /// A fresh registry whose current version v1 has `model` as its global bundle.
    static func registry(current model: TrainedModel, trainedOn data: Dataset, metrics: [String: Double] = [:],
                         inputProfile: InputProfile? = nil) throws -> (URL, ModelRegistry) {
        let root = TestPaths.temporaryDirectory("mlctl-retrain")
        let registry = ModelRegistry(root: root)
        let v1 = try registry.addVersion { directory in
            var manifest = BundleManifest(modelKind: model.kind, target: "converted", inputSchema: model.features, seed: 0,
                                          dataFingerprint: data.fingerprint(), trainingRows: data.rowCount, metrics: metrics)
            manifest.inputProfile = inputProfile
            try ModelBundle.write(model, manifest: manifest, to: directory.appendingPathComponent("global"))
        }
        try registry.promote(v1)
        return (root, registry)
    }

    @Test func aBetterVersionIsPromotedAndAnEqualOneKept() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try SchemaMigrations.apply(LeadSchema.migrations, to: db)
            let generator = SyntheticLeadGenerator(seed: 21, windowEnd: 1_780_000_000, windowDays: 120)
            let agents = generator.agents()
            let leads = generator.leads(0..<3_000, agents: agents)
            try LeadStore.insert(agents: agents, leads: leads, into: db)

            // The current version: trees fit to shuffled outcomes, so it ranks at chance.
            var shuffled = leads
            var random = SeededGenerator(seed: 8)
            let outcomes = leads.map(\.converted).shuffled(using: &random)
            for i in shuffled.indices { shuffled[i].converted = outcomes[i] }
            let noise = LeadDataset.make(leads: shuffled, agents: agents)
            var parameters = GBDTParameters()
            parameters.trees = 20
            let useless = TrainedModel.gbdt(try GBDTTrainer.train(noise, parameters: parameters))
            let (root, registry) = try Self.registry(current: useless, trainedOn: noise, metrics: ["test_roc_auc": 0.8])
            defer { try? FileManager.default.removeItem(at: root) }
            // The service stored its scores: live, it ranks at chance against the 0.8 it claims.
            let data = LeadDataset.make(leads: leads, agents: agents)
            for (lead, score) in zip(leads, try useless.rawScores(data, threads: 2).map(logistic)) {
                try db.query("UPDATE leads SET ml_score = $2, ml_model_version = 'v1/global', scored_at = now() WHERE id = $1", [String(lead.id), "\(score)"])
            }

            var configuration = Retrain.Configuration(databaseURL: url, registry: root)
            configuration.days = 3650
            configuration.minimumNewLeads = 0
            configuration.trials = 2
            configuration.threads = 2
            // Only on an alert: the live AUC's fall is one, so it trains.
            configuration.onlyOnAlert = true
            let first = try Retrain.run(configuration)
            #expect(first.trigger.first?.contains("monitoring of v1/global (all) alerts") == true, "\(first.trigger)")
            let evidence = try #require(first.evidence)
            #expect(first.decision == .promote, "\(first.reasons)")
            #expect(evidence.newAUC > evidence.currentAUC + 0.1 && evidence.holdoutRows == 600)
            #expect(registry.current() == first.newVersion)
            let record = try Data(contentsOf: registry.directory(of: first.newVersion!).appendingPathComponent("retrain.json"))
            #expect(String(decoding: record, as: UTF8.self).contains("\"decision\":\"promote\""))
            let report = try String(contentsOf: registry.directory(of: first.newVersion!).appendingPathComponent("report.html"), encoding: .utf8)
            #expect(report.contains("Retraining decision: promote") && report.contains("DeLong z"))

            // Nothing alerts on v2 (none of its scores are stored): nothing trained, the check recorded.
            let quiet = try Retrain.run(configuration)
            #expect(quiet.decision == .keep && quiet.newVersion == nil && quiet.reasons[0].contains("nothing alerts on \(first.newVersion!)"))
            #expect(quiet.trigger.contains { $0.contains("no scores of \(first.newVersion!) stored") }, "\(quiet.trigger)")
            configuration.onlyOnAlert = false

            // Too few new leads: nothing trained, the decision still recorded. New leads count from
            // the newest lead v2 was trained on, so the 600 held out are new to it.
            configuration.minimumNewLeads = 1_000_000
            let skipped = try Retrain.run(configuration)
            #expect(skipped.decision == .keep && skipped.newVersion == nil && skipped.reasons[0].contains("are needed to retrain"))
            #expect(skipped.reasons[0].hasPrefix("600 leads with a known outcome arrived since"), "\(skipped.reasons)")

            // The same data and seed again: the same model, no better, kept.
            configuration.minimumNewLeads = 0
            let second = try Retrain.run(configuration)
            #expect(second.decision == .keep && registry.current() == first.newVersion, "\(second.reasons)")
            let history = try String(contentsOf: root.appendingPathComponent("retrain-history.jsonl"), encoding: .utf8)
            #expect(history.split(separator: "\n").map { $0.contains("\"decision\":\"promote\"") } == [true, false, false, false])
        }
    }

    /// Simulated concept drift (``BehaviourShift``): a version trained before the shift ranks
    /// the leads after it worse than it ranked its own era's, and a version retrained on the
    /// leads after it is promoted over it.
    @Test func afterAShiftTheRetrainedVersionIsPromoted() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try SchemaMigrations.apply(LeadSchema.migrations, to: db)
            let end = Date().timeIntervalSince1970
            let shift = BehaviourShift(at: end - 60 * 86_400, strength: 2)
            let generator = SyntheticLeadGenerator(seed: 33, windowEnd: end, windowDays: 150, shift: shift)
            let agents = generator.agents()
            let leads = generator.leads(0..<9_000, agents: agents)
            // Inputs are the same with or without the shift; only later conversions change.
            let unshifted = SyntheticLeadGenerator(seed: 33, windowEnd: end, windowDays: 150).leads(0..<200, agents: agents)
            #expect(zip(leads.prefix(200), unshifted).allSatisfy { $0.source == $1.source && $0.createdAt == $1.createdAt
                && ($0.createdAt >= shift.at || $0.converted == $1.converted) })
            try LeadStore.insert(agents: agents, leads: leads, into: db)

            // The current version: trees fit to the leads before the shift.
            let before = leads.filter { $0.createdAt < shift.at }, after = leads.filter { $0.createdAt >= shift.at }
            let earlier = LeadDataset.make(leads: Array(before.prefix(before.count - 600)), agents: agents)
            var parameters = GBDTParameters()
            parameters.trees = 60
            let old = TrainedModel.gbdt(try GBDTTrainer.train(earlier, parameters: parameters))
            let ownEra = LeadDataset.make(leads: Array(before.suffix(600)), agents: agents), newEra = LeadDataset.make(leads: after, agents: agents)
            let aucBefore = RankingMetrics.rocAUC(scores: try old.rawScores(ownEra, threads: 2), labels: ownEra.labels)
            let aucAfter = RankingMetrics.rocAUC(scores: try old.rawScores(newEra, threads: 2), labels: newEra.labels)
            #expect(aucAfter < aucBefore - 0.03, "the shift costs the old model \(aucBefore) → \(aucAfter)")
            let (root, registry) = try Self.registry(current: old, trainedOn: earlier, metrics: ["test_roc_auc": aucBefore])
            defer { try? FileManager.default.removeItem(at: root) }

            var configuration = Retrain.Configuration(databaseURL: url, registry: root)
            configuration.days = 59
            configuration.minimumNewLeads = 0
            configuration.trials = 2
            configuration.threads = 2
            let outcome = try Retrain.run(configuration)
            #expect(outcome.decision == .promote && registry.current() == outcome.newVersion, "\(outcome.reasons)")
        }
    }

    /// The input-drift trigger: a feature among the global model's most important ones whose
    /// recent values left its training profile alerts; the same drift on a feature the model
    /// does not use does not; the untouched profile shows no drift at all.
    @Test func inputDriftOfAnImportantFeatureTriggersAndOfAnUnusedOneDoesNot() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try SchemaMigrations.apply(LeadSchema.migrations, to: db)
            let generator = SyntheticLeadGenerator(seed: 5, windowEnd: Date().timeIntervalSince1970, windowDays: 20)
            let agents = generator.agents()
            let leads = generator.leads(0..<800, agents: agents)
            try LeadStore.insert(agents: agents, leads: leads, into: db)
            let data = LeadDataset.make(leads: leads, agents: agents)
            var parameters = GBDTParameters()
            parameters.trees = 10
            let model = TrainedModel.gbdt(try GBDTTrainer.train(data, parameters: parameters))
            let importance = model.featureImportance
            let top = model.features[importance.indices.max { importance[$0] < importance[$1] }!].name
            let profile = InputProfile.make(data)
            let profiled = Set(profile.features.map(\.name))
            let unused = try #require(model.features.indices.first { importance[$0] == 0 && profiled.contains(model.features[$0].name) }
                .map { model.features[$0].name })
            // The profile as if every training row had been in the last bin of both features.
            var moved = profile
            for index in moved.features.indices where [top, unused].contains(moved.features[index].name) {
                let bins = moved.features[index].binCount
                moved.features[index].shares = (0..<bins).map { $0 == bins - 1 ? 1 : 0 }
            }
            for (candidate, alerting) in [(moved, true), (profile, false)] {
                let (root, registry) = try Self.registry(current: model, trainedOn: data, inputProfile: candidate)
                defer { try? FileManager.default.removeItem(at: root) }
                let check = try RetrainTrigger.check(database: db, registry: registry, current: "v1", days: 30, threads: 2)
                #expect(check.alerting == alerting, "\(check.reasons)")
                #expect(check.reasons.contains { $0.hasPrefix("input drift of \(top) ") } == alerting, "\(check.reasons)")
                #expect(!check.reasons.contains { $0.contains("input drift of \(unused) ") }, "\(check.reasons)")
                if !alerting { #expect(check.reasons.contains { $0.contains("input drift below the alert level") && $0.contains("PSI 0.000") }, "\(check.reasons)") }
            }
        }
    }
}
