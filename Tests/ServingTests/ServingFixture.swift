import Core
import Evaluation
import Foundation
import Leads
@testable import Serving
import TestSupport
import Training

/// A small registry like the one train-all writes, built once for all serving tests: a
/// `global` ensemble (trees + logistic regression, Platt-calibrated, with quality levels), a
/// `pc` logistic model, and a `gbdt` bundle; every bundle carries its input profile. Trained
/// on 4,000 bundled leads so that debug builds make it in seconds.
enum ServingFixture {
    struct Built: @unchecked Sendable {
        let registry: URL
        let leads: [LeadRecord]
        let agents: [AgentRecord]
        let train: Dataset
    }

    static let shared: Built = try! build()
    /// The shared registry's directory, removed when the test process exits.
    nonisolated(unsafe) private static var registryToRemove: URL?

    static func build() throws -> Built {
        let generator = BundledLeads.generator
        let agents = generator.agents()
        let leads = generator.leads(0..<4000, agents: agents)
        let data = LeadDataset.make(leads: leads, agents: agents)
        var parameters = GBDTParameters()
        parameters.trees = 30
        parameters.numLeaves = 15
        let trees = try GBDTTrainer.train(data, parameters: parameters)
        var logisticParameters = LogisticParameters()
        logisticParameters.maximumIterations = 200
        let linear = try LogisticTrainer.train(data, parameters: logisticParameters)
        let ensemble = TrainedModel.ensemble(EnsembleModel(members: [.init(name: "gbdt", weight: 0.7, model: .gbdt(trees)),
                                                                     .init(name: "baseline", weight: 0.3, model: .logistic(linear))], method: "simplex"))
        let raw = try ensemble.rawScores(data, threads: 2)
        let calibration = PlattScaling.fit(scores: raw, labels: data.labels)
        let profile = InputProfile.make(data)

        let root = TestPaths.temporaryDirectory("mlctl-serving")
        registryToRemove = root
        atexit { if let root = ServingFixture.registryToRemove { try? FileManager.default.removeItem(at: root) } }
        let registry = ModelRegistry(root: root)
        let version = try registry.addVersion { directory in
            func manifest(_ model: TrainedModel) -> BundleManifest {
                var m = BundleManifest(modelKind: model.kind, target: "converted", inputSchema: model.features, seed: 1,
                                       dataFingerprint: data.fingerprint(), trainingRows: data.rowCount, metrics: ["test_roc_auc": 0.8])
                m.inputProfile = profile
                return m
            }
            var global = manifest(ensemble)
            global.calibration = .platt(calibration)
            global.qualityLevels = QualityLevels.fit(try ScoredRows(scores: raw.map { calibration.probability($0) }, labels: data.labels))
            try ModelBundle.write(ensemble, manifest: global, to: directory.appendingPathComponent("global"))
            try ModelBundle.write(.logistic(linear), manifest: manifest(.logistic(linear)), to: directory.appendingPathComponent("pc"))
            try ModelBundle.write(.gbdt(trees), manifest: manifest(.gbdt(trees)), to: directory.appendingPathComponent("gbdt"))
        }
        try registry.promote(version)
        return Built(registry: root, leads: leads, agents: agents, train: data)
    }

    /// The JSON request body for `lead` (the keys of the `leads` table), as `row_to_json` would
    /// write it, with its agent.
    static func body(for lead: LeadRecord, agent: AgentRecord?) -> String {
        var writer = JSONWriter()
        writer.object { o in
            o.key("lead")
            o.object { l in
                l.field("id", Int(lead.id))
                l.field("vertical", lead.vertical)
                l.field("created_at", Timestamp.format(lead.createdAt))
                for (key, value) in [("email", lead.email), ("phone", lead.phone), ("first_name", lead.firstName), ("last_name", lead.lastName),
                                     ("address", lead.address), ("zipcode", lead.zipcode), ("state", lead.state), ("source", lead.source),
                                     ("insurance_type", lead.insuranceType), ("browser", lead.browser), ("utm_source", lead.utmSource),
                                     ("utm_medium", lead.utmMedium), ("utm_campaign", lead.utmCampaign)] {
                    l.field(key, value)
                }
                for (key, value) in [("form_completed", lead.formCompleted), ("quote_requested", lead.quoteRequested),
                                     ("return_visitor", lead.returnVisitor), ("mobile", lead.mobile)] {
                    l.key(key)
                    if let value { l.boolean(value) } else { l.null() }
                }
                l.key("pages_visited")
                if let pages = lead.pagesVisited { l.integer(pages) } else { l.null() }
                l.key("time_on_site_s")
                if let time = lead.timeOnSiteSeconds { l.number(time) } else { l.null() }
                l.key("agent_id")
                if let id = lead.agentId { l.integer(Int(id)) } else { l.null() }
            }
            if let agent {
                o.key("agent")
                o.object { a in
                    a.field("id", Int(agent.id))
                    for (key, value) in [("avg_response_time_s", agent.averageResponseSeconds), ("conversion_rate", agent.conversionRate),
                                         ("rating", agent.rating)] {
                        a.key(key)
                        if let value { a.number(value) } else { a.null() }
                    }
                }
            }
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// A running server over `models` with a fresh ``ScoringService``, whose log lines go to
    /// `serviceLog` when given, else as text to `log`.
    static func start(models: URL? = nil, databaseURL: String? = nil, adminToken: String? = nil,
                      configure: (inout HTTPServerConfiguration) -> Void = { _ in },
                      serviceLog: ServiceLog? = nil,
                      log: @escaping @Sendable (String) -> Void = { _ in }) throws -> (HTTPServer, ScoringService) {
        var serviceConfiguration = ScoringServiceConfiguration(modelsDirectory: models ?? shared.registry)
        serviceConfiguration.databaseURL = databaseURL
        serviceConfiguration.adminToken = adminToken
        serviceConfiguration.maxBatch = 50
        let service = try ScoringService(configuration: serviceConfiguration,
                                         log: serviceLog ?? ServiceLog(sink: { log(String(decoding: $0, as: UTF8.self)) }))
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.accessLog = false
        configure(&configuration)
        let server = try HTTPServer(configuration: configuration, handler: service.handle)
        try server.start()
        return (server, service)
    }
}

/// Log lines collected from any thread.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []

    var lines: [String] { lock.withLock { collected } }

    func append(_ line: String) { lock.withLock { collected.append(line) } }

    /// A log in `format` whose lines (one or more per write) are collected here.
    func serviceLog(_ format: LogFormat) -> ServiceLog {
        ServiceLog(format: format, sink: { [self] bytes in
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") { append(String(line)) }
        })
    }

    /// The lines parsed as JSON objects (nil for a line that is not one).
    var objects: [JSONValue?] { lines.map { try? JSONParser.parse(Array($0.utf8)) } }
}
