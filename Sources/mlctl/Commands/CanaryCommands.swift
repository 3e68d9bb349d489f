import Core
import Experiments
import Foundation
import Serving
import Training

/// `mlctl models canary [status|promote|abort]`: a registry version served to a share of the
/// leads scored by id (an A/B test against the current version, ``Canary``), then promoted or
/// aborted.
enum CanaryCommands {
    static let common = ABCommands.database + [ModelsCommands.registryOption]

    static let all = [start, status, promote, abort]

    /// The canary over the registry `--models` and the database (migrated).
    static func canary(_ options: ParsedOptions) throws -> Canary {
        Canary(store: try ABCommands.store(options), registry: ModelRegistry(root: URL(fileURLWithPath: options.string("models") ?? "models")))
    }

    static let start = Command(
        spec: CommandSpec(
            path: ["models", "canary"], summary: "Serve a registry version to a share of the leads scored by id, against the current version",
            options: common + [
                .value("version", "V", "the version to roll out, e.g. v4", required: true),
                .value("percent", "P", "share of the leads it scores, 1-50", default: "5"),
                .value("metric", "M", "primary metric: conversion_rate, acceptance_rate or revenue_per_lead", default: "conversion_rate"),
                .value("alpha", "X", "two-sided significance level", default: "0.05"),
                .value("mde", "X", "minimum detectable effect, relative (0.1 = 10 %)", default: "0.1"),
            ],
            discussion: """
                The canary is an A/B test named canary-<version>-<time> with the arms champion (current) and canary
                (the version), analysed like any test: 'mlctl models canary status'. End it with 'promote' (the version
                becomes current; reload the service) or 'abort'. Refused while another A/B test runs.
                """),
        run: { options in
            let metric = try options.choice("metric", ExperimentMetric.allCases.map(\.rawValue), default: "conversion_rate")!
            let test = try canary(options).start(version: try options.required("version"), percent: try options.int("percent", in: 1...50) ?? 5,
                                                 primaryMetric: ExperimentMetric(rawValue: metric)!, alpha: try options.double("alpha", default: 0.05)!,
                                                 minimumDetectableEffect: try options.double("mde", default: 0.1)!)
            Console.out("started canary \(test.name): \(test.arms[1].scorer) scores \(test.arms[1].percent) % of the leads scored by id; the service sees it within 250 ms")
            return 0
        })

    static let status = Command(
        spec: CommandSpec(path: ["models", "canary", "status"], summary: "The running canary's results",
                          options: common + [.value("format", "F", "text or json (as mlctl ab results --format json)", default: "text")]),
        run: { options in
            let (test, analysis) = try canary(options).status()
            Console.out(try options.wantsJSON() ? String(decoding: ABResultsReport.json(test, analysis), as: UTF8.self) : ABResultsReport.text(test, analysis))
            return 0
        })

    static let promote = Command(
        spec: CommandSpec(path: ["models", "canary", "promote"], summary: "Stop the canary and make its version current",
                          options: common + [.flag("force", "promote even when the results say roll back")]),
        run: { options in
            let (test, analysis, version) = try canary(options).promote(force: options.flag("force"))
            Console.out("stopped \(test.name) (results: \(analysis.recommendation.rawValue.replacingOccurrences(of: "_", with: " "))); \(version) is now current: reload the service (POST /api/v1/lead-scoring-ml/models/reload or SIGHUP)")
            return 0
        })

    static let abort = Command(
        spec: CommandSpec(path: ["models", "canary", "abort"], summary: "Stop the canary; the current version stays", options: common),
        run: { options in
            let test = try canary(options).abort()
            Console.out("stopped \(test.name); every lead is scored by the current version again")
            return 0
        })
}
