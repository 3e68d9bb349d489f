import Core
import Experiments
import Foundation
import Pipeline
import Serving
import Training

/// `mlctl retrain`: one turn of the retraining loop (``Retrain``), then the decision applied:
/// a promotion by ``Retrain`` itself, a canary here (``Canary``, in the same database).
enum RetrainCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["retrain"], summary: "Train a new version on recent leads, compare it with the current one, and promote, canary or keep",
            options: ABCommands.database + [
                ModelsCommands.registryOption,
                .value("days", "N", "train on leads created in the last N days", default: "180"),
                .value("min-new-leads", "K", "leads with an outcome since the current version was made, needed to retrain", default: "1000"),
                .value("trials", "N", "tuning trials per tree growth policy", default: "12"),
                .value("seed", "S", "random seed", default: "0"),
                .value("canary-percent", "P", "share of the leads a canary takes when the gain is not significant (0: keep instead)", default: "10"),
                .flag("on-alert", "train only when the current version alerts: monitoring (live AUC, calibration, score drift) or input drift of an important feature"),
                .value("alert-days", "N", "with --on-alert: the window of stored scores and new leads checked", default: "30"),
                OptionSpec.textOrJSON,
            ],
            discussion: """
                The newest 20 % of the recent leads with a known outcome are held out; the new version is trained on the
                rest and both versions' global models score the holdout. Promote when the new one is significantly better
                (DeLong, one-sided p < 0.05) and significantly worse on no vertical and not in log loss; start a canary
                when it is better but not significantly; keep the current version otherwise. The decision and its
                numbers go to versions/<new>/retrain.json and a line of retrain-history.jsonl. Run it on a schedule: with
                --on-alert it trains only when the current version's monitoring alerts (live AUC 0.05 below its test AUC,
                calibration error above 0.10, or its stored scores' PSI against its test rows at 0.25 or more) or one of
                its global model's 10 most important input features drifted to PSI 0.25 or more on the leads of the
                last --alert-days days; otherwise it records a keep and trains nothing.
                """),
        run: { options in
            var configuration = Retrain.Configuration(databaseURL: try options.requiredDatabaseURL(),
                                                      registry: URL(fileURLWithPath: options.string("models") ?? "models"))
            configuration.days = try options.int("days", in: 1...3660) ?? 180
            configuration.minimumNewLeads = try options.int("min-new-leads", in: 0...Int.max) ?? 1000
            configuration.trials = try options.int("trials", in: 1...10_000) ?? 12
            configuration.seed = UInt64(try options.int("seed", in: 0...Int.max) ?? 0)
            configuration.onlyOnAlert = options.flag("on-alert")
            configuration.alertDays = try options.int("alert-days", in: 1...3660) ?? 30
            let canaryPercent = try options.int("canary-percent", in: 0...50) ?? 10
            configuration.policy.canaryOnInsignificantGain = canaryPercent > 0
            let json = try options.wantsJSON()
            let outcome = try Retrain.run(configuration)
            var applied: String
            switch outcome.decision {
            case .promote: applied = "\(outcome.newVersion!) is now current: reload the service"
            case .keep: applied = "\(outcome.currentVersion) stays current"
            case .canary:
                let canary = Canary(store: try ABCommands.store(options), registry: ModelRegistry(root: configuration.registry))
                do {
                    let test = try canary.start(version: outcome.newVersion!, percent: canaryPercent)
                    applied = "started canary \(test.name): \(outcome.newVersion!) scores \(canaryPercent) % of the leads scored by id"
                } catch let refusal as Canary.Refusal {
                    applied = "no canary started: \(refusal)"
                }
            }
            if json {
                var writer = JSONWriter()
                writer.object { o in
                    o.field("decision", outcome.decision.rawValue)
                    o.field("currentVersion", outcome.currentVersion)
                    o.field("newVersion", outcome.newVersion)
                    o.field("applied", applied)
                    o.key("reasons")
                    o.array { a in for reason in outcome.reasons { a.string(reason) } }
                    if configuration.onlyOnAlert {
                        o.key("trigger")
                        o.array { a in for reason in outcome.trigger { a.string(reason) } }
                    }
                }
                Console.out(String(decoding: writer.bytes, as: UTF8.self))
            } else {
                let trigger = outcome.trigger.isEmpty ? [] : ["checked before training:"] + outcome.trigger.map { "  - " + $0 }
                Console.out((trigger + [outcome.decision.rawValue.uppercased() + ": " + applied] + outcome.reasons.map { "  - " + $0 }).joined(separator: "\n"))
            }
            return 0
        })
}
