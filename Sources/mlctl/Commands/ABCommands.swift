import Core
import Database
import Evaluation
import Experiments
import Foundation
import Serving
import Training

/// `mlctl ab create|list|assign|results|stop`: A/B tests between scorers — the rules, the
/// served model, registry versions — stored in PostgreSQL.
enum ABCommands {
    static let database = OptionSpec.databaseURL("PostgreSQL URL")
    static let name = OptionSpec.value("name", "NAME", "test name", required: true)

    static let all = [create, list, assign, results, stop]

    /// The store on a migrated database (the A/B tables come with schema migration 2).
    static func store(_ options: ParsedOptions) throws -> ABTestStore {
        let db = try PostgresConnection(url: try options.requiredDatabaseURL())
        try ServiceSchema.migrate(db)
        return ABTestStore(db)
    }

    static let create = Command(
        spec: CommandSpec(
            path: ["ab", "create"], summary: "Create and start an A/B test between scorers: the rules, the served model, registry versions",
            options: database + [
                name,
                .value("description", "TEXT", "what the test is for"),
                .value("split", "C/T", "control (rules) / treatment (served model) percentages, summing to 100", default: "50/50"),
                .value("arms", "LIST", "arms instead of --split, control first: name=scorer:percent,... with scorer rules, current, vN or vN/bundle"),
                .value("models", "DIR", "the registry the service serves: checks that every version an arm names loads"),
                .value("metric", "M", "primary metric: conversion_rate, acceptance_rate or revenue_per_lead", default: "conversion_rate"),
                .value("alpha", "X", "two-sided significance level", default: "0.05"),
                .value("mde", "X", "minimum detectable effect, relative (0.1 = 10 %)", default: "0.1"),
            ],
            discussion: """
                While the test runs, 'mlctl serve' scores each lead scored by id with its arm's scorer: 'rules' (the
                rule-based score), 'current' (the registry's current version, as served), 'v3' (that registry version,
                with its vertical models) or 'v3/pc' (that one bundle for every lead). Each arm is compared with the
                first (the control), with α split among the comparisons. Example:
                  mlctl ab create --name champion-vs-v4 --arms champion=current:80,challenger=v4:20 --models models/
                Test names are 1-100 characters, arm names 1-40, of letters, digits, '_', '-' and '.'.
                """),
        run: { options in
            var definition = ABTestDefinition(name: try options.required("name"))
            definition.description = options.string("description") ?? ""
            if let armsText = options.string("arms") {
                guard options.string("split") == nil else { throw UsageError(message: "give either --arms or --split, not both") }
                do throws(FieldError) { definition.arms = try ABArm.parseList(armsText) } catch {
                    throw UsageError(message: "--\(error.field): \(error.message)")
                }
            } else {
                let splitText = options.string("split") ?? "50/50"
                let parts = splitText.split(separator: "/").map { Int($0) }
                guard parts.count == 2, let control = parts[0], let treatment = parts[1] else {
                    throw UsageError(message: "--split must be two whole percentages like 50/50 (got '\(splitText)')")
                }
                do throws(FieldError) { definition.arms = try ABArm.fromSplit(["control": control, "treatment": treatment]) } catch {
                    throw UsageError(message: "--split: \(error.message)")
                }
            }
            let metric = try options.choice("metric", ExperimentMetric.allCases.map(\.rawValue), default: "conversion_rate")!
            definition.primaryMetric = ExperimentMetric(rawValue: metric)!
            definition.alpha = try options.double("alpha", default: 0.05)!
            definition.minimumDetectableEffect = try options.double("mde", default: 0.1)!
            if let problem = definition.validate() { throw UsageError(message: "\(problem.field): \(problem.message)") }
            if let models = options.string("models") {
                let registry = ModelRegistry(root: URL(fileURLWithPath: models))
                for (index, arm) in definition.arms.enumerated() where arm.scorer.registryVersion != nil {
                    if case .failure(let error) = ArmModels.load(arm.scorer, from: registry) {
                        throw UsageError(message: "arms[\(index)] (\(arm.name)=\(arm.scorer)): \(error.message)")
                    }
                }
            }
            let test = try store(options).create(definition)
            let arms = test.arms.map { "\($0.name)=\($0.scorer) \($0.percent) %" }.joined(separator: ", ")
            Console.out("created A/B test \(test.name): \(arms); primary metric \(test.primaryMetric.rawValue), running")
            return 0
        })

    static let list = Command(
        spec: CommandSpec(path: ["ab", "list"], summary: "List A/B tests", options: database + [OptionSpec.textOrJSON], deprecated: [.jsonFlag]),
        run: { options in
            let json = try options.wantsJSON()
            let tests = try store(options).list()
            if json {
                var writer = JSONWriter()
                writer.array { a in for test in tests { ABResultsReport.write(test, to: &a) } }
                Console.out(String(decoding: writer.bytes, as: UTF8.self))
                return 0
            }
            if tests.isEmpty { Console.out("no A/B tests"); return 0 }
            Console.out("name".padding(toLength: 28, withPad: " ", startingAt: 0) + "status    split  metric            started")
            for test in tests {
                Console.out(test.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                            + test.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                            + test.splitText.padding(toLength: max(7, test.splitText.count + 1), withPad: " ", startingAt: 0)
                            + test.primaryMetric.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)
                            + Timestamp.iso8601(test.startedAt))
            }
            return 0
        })

    static let assign = Command(
        spec: CommandSpec(path: ["ab", "assign"], summary: "Assign a lead to an arm (stored on first assignment)",
                          options: database + [name, .value("lead", "ID", "lead id", required: true)]),
        run: { options in
            let lead = try options.int("lead", in: 1...Int.max)!
            let name = try options.required("name")
            let (arm, inTest) = try store(options).assign(testName: name, leadID: Int64(lead))
            Console.out(arm.name + (inTest ? "" : " (the test is stopped; the lead was not in it and gets the control)"))
            return 0
        })

    static let results = Command(
        spec: CommandSpec(path: ["ab", "results"], summary: "Results of an A/B test, with a recommendation",
                          options: database + [name, .value("format", "F", "text or json (the document of GET /api/v1/ab-testing/tests/NAME/results)",
                                                            default: "text")],
                          deprecated: [.jsonFlag]),
        run: { options in
            let json = try options.wantsJSON()
            let (test, analysis) = try store(options).results(of: try options.required("name"))
            Console.out(json ? String(decoding: ABResultsReport.json(test, analysis), as: UTF8.self) : ABResultsReport.text(test, analysis))
            return 0
        })

    static let stop = Command(
        spec: CommandSpec(path: ["ab", "stop"], summary: "Stop an A/B test (its assignments are kept)", options: database + [name]),
        run: { options in
            let test = try store(options).stop(try options.required("name"))
            Console.out("stopped A/B test \(test.name); new leads get the control")
            return 0
        })
}
