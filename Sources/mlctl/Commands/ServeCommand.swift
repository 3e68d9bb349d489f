import Core
import Evaluation
import Foundation
import Serving
import Training

/// `mlctl serve`: the HTTP scoring service over a registry or a bundle.
enum ServeCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["serve"], summary: "HTTP scoring service over a model registry or bundle",
            options: OptionSpec.databaseURL("PostgreSQL URL for scoring leads by id (and writing the scores back)") + [
                .value("models", "DIR", "registry (from train-all; its current version) or bundle (from train)", required: true),
                .value("host", "ADDR", "IPv4 listen address (0.0.0.0 for every interface)", default: "127.0.0.1"),
                .value("port", "N", "listen port (0: any free port, printed at start)", default: "8080"),
                .value("threads", "N", "event-loop threads (default: all cores)"),
                .value("db-threads", "N", "threads (one database connection each) reading the leads of lead-by-id requests in batches", default: "2"),
                OptionSpec.adminTokenFile,
                .value("max-batch", "N", "most leads or instances in one request", default: "1000"),
                .value("max-body", "BYTES", "largest request body", default: "1048576"),
                .value("max-connections", "N", "open connections before new ones get 503", default: "1024"),
                .value("read-timeout", "SECONDS", "time to receive a whole request (and to drain a response)", default: "10"),
                .value("idle-timeout", "SECONDS", "keep-alive connections idle longer are closed", default: "60"),
                .value("log-format", "F", "text (for people) or json (one object a line, for log collectors)", default: "text"),
                .flag("quiet", "no access log (events are still logged)"),
            ]),
        run: run)

    static func run(_ options: ParsedOptions) throws -> Int32 {
        let threads = try options.int("threads", default: defaultThreadCount, in: 1...256)!
        var serviceConfiguration = ScoringServiceConfiguration(modelsDirectory: URL(fileURLWithPath: try options.required("models")))
        serviceConfiguration.databaseURL = try options.databaseURL()
        serviceConfiguration.workers = threads
        serviceConfiguration.databaseThreads = try options.int("db-threads", default: 2, in: 1...256)!
        serviceConfiguration.maxBatch = try options.int("max-batch", default: 1000, in: 1...1_000_000)!
        serviceConfiguration.adminToken = try options.adminToken()
        let log = ServiceLog(format: LogFormat(rawValue: try options.choice("log-format", LogFormat.allCases.map(\.rawValue), default: "text")!)!)
        let service: ScoringService
        do {
            service = try ScoringService(configuration: serviceConfiguration, log: log)
        } catch {
            log.event(.error, "startup_failed", "cannot load models: \(error)")
            return 1
        }
        var configuration = HTTPServerConfiguration()
        configuration.host = options.string("host") ?? "127.0.0.1"
        configuration.port = try options.int("port", default: 8080, in: 0...65535)!
        configuration.threads = threads
        configuration.maxConnections = try options.int("max-connections", default: 1024, in: 1...1_000_000)!
        configuration.limits.maxBodyBytes = try options.int("max-body", default: 1 << 20, in: 1...(1 << 30))!
        configuration.readTimeout = Double(try options.int("read-timeout", default: 10, in: 1...3600)!)
        configuration.idleTimeout = Double(try options.int("idle-timeout", default: 60, in: 1...86_400)!)
        configuration.accessLog = !options.flag("quiet")
        configuration.log = log
        configuration.handleSignals = true
        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: configuration,
                                    onResponse: { record in
                                        // Requests rejected before routing (malformed, too large, timed out).
                                        if record.method == "-" { service.metrics.recordRequest(route: "unparsed", status: record.status, seconds: Double(record.microseconds) / 1e6) }
                                    },
                                    handler: service.handle)
            try server.start()
        } catch {
            // A port in use, an address that is not one: in the log's format, as every other line.
            log.event(.error, "startup_failed", error.message)
            return 1
        }
        let catalog = service.catalog
        // The message keeps the words scripts (and tests) wait for: "listening on http://HOST:PORT".
        log.event(.info, "startup", "listening on http://\(configuration.host):\(server.port) with \(threads) threads, serving \(catalog.description)"
                  + (catalog.global == nil ? " (no lead model: lead routes answer 503)" : ""),
                  [("version", .string(MLCTLVersion.current)), ("host", .string(configuration.host)), ("port", .integer(server.port)),
                   ("threads", .integer(threads)), ("modelsVersion", .string(catalog.version)), ("models", .strings(catalog.models.keys.sorted())),
                   ("database", .string(serviceConfiguration.databaseURL == nil ? "not configured" : "configured")),
                   ("adminRoutes", .string(serviceConfiguration.adminToken == nil ? "disabled" : "enabled"))])
        server.wait()
        log.event(.info, "stopped", "stopped")
        return 0
    }
}
