import Core
import Database
import Evaluation
import Foundation
import Leads
import Training

/// The retraining loop's one turn (`mlctl retrain`): the recent leads whose outcome is known
/// are read from PostgreSQL; the newest ``RetrainConfiguration/holdoutFraction`` of them (by
/// creation time) are held out, and a new version is trained on the rest with train-all's
/// pipeline, not promoted (its tuning starts afresh when the data changed: the studies record
/// the data's fingerprint). Both the new and the current version's global model then score the
/// same holdout, and ``RetrainPolicy`` decides; a promotion is applied here, a canary by the
/// caller (it runs in the service's database). The decision and its numbers are written next
/// to the new version (`retrain.json`) and appended to the registry's `retrain-history.jsonl`.
public enum Retrain {
    public struct Configuration: Sendable {
        public var databaseURL: String
        public var registry: URL
        /// Leads created in the last `days` days.
        public var days = 180
        /// Leads created since the current version was made, below which nothing is trained.
        public var minimumNewLeads = 1000
        /// The newest share of the leads, held out to compare the versions on.
        public var holdoutFraction = 0.2
        public var trials = 12
        public var seed: UInt64 = 0
        public var threads = defaultThreadCount
        public var policy = RetrainPolicy()
        /// Train only when ``RetrainTrigger`` finds an alert (monitoring or input drift of the
        /// current version over the last ``alertDays`` days); otherwise keep, recorded.
        public var onlyOnAlert = false
        public var alertDays = 30

        public init(databaseURL: String, registry: URL) {
            self.databaseURL = databaseURL
            self.registry = registry
        }
    }

    public struct Outcome: Sendable {
        public var decision: RetrainDecision
        public var reasons: [String]
        public var currentVersion: String
        /// The version trained; `nil` when there were too few new leads to train one.
        public var newVersion: String?
        public var evidence: RetrainEvidence?
        /// What ``RetrainTrigger`` found, when it was asked (`onlyOnAlert`).
        public var trigger: [String] = []
        /// Creation time (Unix seconds) of the newest lead the new version was trained on: the
        /// next turn counts new leads from it.
        public var trainedThrough: Double?
    }

    /// Runs one turn. Throws when the registry has no current version, or the data cannot be
    /// read or trained on.
    public static func run(_ configuration: Configuration) throws -> Outcome {
        let registry = ModelRegistry(root: configuration.registry)
        guard let current = registry.current() else {
            throw RegistryError(message: "\(registry.root.path): no current version to compare with (run mlctl train-all --out \(registry.root.path) first)")
        }
        let db = try PostgresConnection(url: configuration.databaseURL)
        var trigger: [String] = []
        if configuration.onlyOnAlert {
            let check = try RetrainTrigger.check(database: db, registry: registry, current: current, days: configuration.alertDays,
                                                 threads: configuration.threads)
            trigger = check.reasons
            guard check.alerting else {
                return try keep(["nothing alerts on \(current) in the last \(configuration.alertDays) days: nothing trained"], trigger: trigger,
                                current: current, registry: registry, configuration: configuration)
            }
        }
        let (loaded, agents) = try LeadStore.loadLeads(from: db, filter: LeadFilter(days: configuration.days))
        let leads = loaded.filter { $0.converted != nil }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        let since = trainedThrough(current, in: registry)
        let newLeads = leads.filter { $0.createdAt > since }.count
        guard newLeads >= configuration.minimumNewLeads else {
            return try keep(["\(formatCount(newLeads)) leads with a known outcome arrived since the newest lead \(current) was trained on; "
                             + "\(formatCount(configuration.minimumNewLeads)) are needed to retrain"], trigger: trigger,
                            current: current, registry: registry, configuration: configuration)
        }
        let holdoutCount = Int((Double(leads.count) * configuration.holdoutFraction).rounded())
        guard holdoutCount >= 50, leads.count - holdoutCount >= 200 else {
            throw TrainAllInputError("\(leads.count) leads with a known outcome in the last \(configuration.days) days: too few to train on and hold out")
        }
        let training = Array(leads.prefix(leads.count - holdoutCount)), holdout = Array(leads.suffix(holdoutCount))
        Console.error("retrain: \(formatCount(training.count)) leads to train on, the newest \(formatCount(holdout.count)) held out; current version \(current)")

        var trainAll = TrainAllConfiguration()
        trainAll.source = .database(url: configuration.databaseURL, vertical: nil, days: configuration.days)
        trainAll.registry = configuration.registry
        trainAll.promote = false
        trainAll.trials = configuration.trials
        trainAll.seed = configuration.seed
        trainAll.threads = configuration.threads
        trainAll.splitBy = "created_at"
        let dataset = LeadDataset.make(leads: training, agents: agents, threads: configuration.threads)
        let data = TrainAllData(dataset: dataset, source: "PostgreSQL (\(formatCount(training.count)) leads, the newest \(formatCount(holdout.count)) held out by retrain)",
                                split: StratifiedSplit.timeOrdered(keys: training.map(\.createdAt), validFraction: 0.2, testFraction: 0.2),
                                splitBy: "created_at", seed: configuration.seed, seconds: 0)
        let result = try TrainAllPipeline.run(data, trainAll)

        let holdoutData = LeadDataset.make(leads: holdout, agents: agents, threads: configuration.threads)
        func probabilities(_ version: String) throws -> [Double] {
            let (manifest, model) = try ModelBundle.read(from: registry.directory(of: version).appendingPathComponent("global"))
            return manifest.probabilities(rawScores: try model.rawScores(holdoutData, threads: configuration.threads))
        }
        let evidence = try RetrainEvidence(current: try probabilities(current), new: try probabilities(result.version),
                                           labels: holdoutData.labels, verticals: holdout.map(\.vertical))
        let (decision, reasons) = configuration.policy.decide(evidence)
        if decision == .promote { try registry.promote(result.version) }
        let outcome = Outcome(decision: decision, reasons: reasons, currentVersion: current, newVersion: result.version, evidence: evidence,
                              trigger: trigger, trainedThrough: training.last?.createdAt)
        try record(outcome, in: registry, configuration: configuration)
        return outcome
    }

    /// A turn that trains nothing: the current version stays, and the reasons are recorded.
    static func keep(_ reasons: [String], trigger: [String], current: String, registry: ModelRegistry,
                     configuration: Configuration) throws -> Outcome {
        let outcome = Outcome(decision: .keep, reasons: reasons, currentVersion: current, newVersion: nil, evidence: nil, trigger: trigger)
        try record(outcome, in: registry, configuration: configuration)
        return outcome
    }

    /// Creation time of the newest lead `version` was trained on: from its `retrain.json` when
    /// retrain made it, else the time train-all made it (any lead it saw was created before).
    static func trainedThrough(_ version: String, in registry: ModelRegistry) -> Double {
        let directory = registry.directory(of: version)
        if let data = try? Data(contentsOf: directory.appendingPathComponent("retrain.json")),
           case .number(let seconds)? = (try? JSONParser.parse(Array(data)))?["trainedThroughSeconds"] {
            return seconds
        }
        return TrainAllSummary.read(from: directory).flatMap { Timestamp.parse($0.createdAt) } ?? -.infinity
    }

    /// Adds a "Retraining decision" section, with the decision and its reasons, at the top of
    /// the new version's report.html (which train-all wrote before the decision was made).
    static func addDecision(_ outcome: Outcome, toReportIn directory: URL) throws {
        let file = directory.appendingPathComponent("report.html")
        guard let html = try? String(contentsOf: file, encoding: .utf8), let body = html.range(of: "<body>") else { return }
        let items = outcome.reasons.map { "<li>\(SVGChart.escape($0))</li>" }.joined()
        let section = "<h2>Retraining decision: \(outcome.decision.rawValue)</h2><p>Compared with \(SVGChart.escape(outcome.currentVersion)) "
            + "on the newest leads held out by mlctl retrain (retrain.json has every number).</p><ul>\(items)</ul>"
        var updated = html
        updated.insert(contentsOf: section, at: body.upperBound)
        try Data(updated.utf8).write(to: file, options: .atomic)
    }

    /// The decision as JSON: next to the new version, and one line of the registry's history.
    static func record(_ outcome: Outcome, in registry: ModelRegistry, configuration: Configuration) throws {
        var writer = JSONWriter(capacity: 2048)
        writer.object { o in
            o.field("time", Timestamp.iso8601(Date().timeIntervalSince1970))
            o.field("decision", outcome.decision.rawValue)
            o.field("currentVersion", outcome.currentVersion)
            o.field("newVersion", outcome.newVersion)
            o.field("days", configuration.days)
            o.field("trainedThrough", outcome.trainedThrough.map { Timestamp.iso8601($0) })
            o.field("trainedThroughSeconds", outcome.trainedThrough)
            if configuration.onlyOnAlert {
                o.key("trigger")
                o.array { a in for reason in outcome.trigger { a.string(reason) } }
            }
            o.key("reasons")
            o.array { a in for reason in outcome.reasons { a.string(reason) } }
            if let e = outcome.evidence {
                o.key("evidence")
                o.object { x in
                    x.field("holdoutRows", e.holdoutRows)
                    x.field("holdoutPositives", e.holdoutPositives)
                    x.field("currentAuc", e.currentAUC)
                    x.field("newAuc", e.newAUC)
                    x.field("delongZ", e.delongZ)
                    x.field("betterOneSidedPValue", e.betterOneSidedPValue)
                    x.field("currentLogLoss", e.currentLogLoss)
                    x.field("newLogLoss", e.newLogLoss)
                    x.field("logLossWorseOneSidedPValue", e.logLossWorseOneSidedPValue)
                    x.field("currentCalibrationError", e.currentCalibrationError)
                    x.field("newCalibrationError", e.newCalibrationError)
                    x.key("verticals")
                    x.array { list in
                        for v in e.verticals {
                            list.object { r in
                                r.field("vertical", v.name)
                                r.field("rows", v.rows)
                                r.field("positives", v.positives)
                                r.field("currentAuc", v.currentAUC)
                                r.field("newAuc", v.newAUC)
                                r.field("worseOneSidedPValue", v.worseOneSidedPValue)
                            }
                        }
                    }
                }
            }
        }
        let line = writer.bytes
        if let version = outcome.newVersion {
            // Written to a temporary file and renamed (.atomic), so a reader never sees half of it.
            try Data(line).write(to: registry.directory(of: version).appendingPathComponent("retrain.json"), options: .atomic)
            try addDecision(outcome, toReportIn: registry.directory(of: version))
        }
        let history = registry.root.appendingPathComponent("retrain-history.jsonl")
        if !FileManager.default.fileExists(atPath: history.path) { _ = FileManager.default.createFile(atPath: history.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: history)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line + [UInt8(ascii: "\n")]))
    }
}
