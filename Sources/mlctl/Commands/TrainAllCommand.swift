import Core
import Foundation
import Leads
import Pipeline
import Training

/// `mlctl train-all`: the main job, `TrainAllPipeline` behind a command line. From leads (or
/// any table) to a new version in the model registry; see `TrainAllPipeline` for the stages.
enum TrainAllCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["train-all"], summary: "From leads to tuned, evaluated models in a versioned registry",
            options: [
                .value("data", "FILE", "a CSV table instead of the bundled leads"),
                .value("target", "COL", "label column of --data", default: "converted"),
            ] + OptionSpec.databaseURL("read leads from PostgreSQL instead of the bundled data (the environment's DATABASE_URL is not read: it never changes what train-all trains on)") + [
                .value("vertical", "V", "with --database-url: only pc, health or commercial"),
                .value("days", "N", "with --database-url: only leads of the last N days"),
                .value("trials", "N", "tuning trials per tree variant", default: "12"),
                .value("cv", "N", "cross-validation folds while tuning", default: "3"),
                .value("timeout", "DURATION", "tuning time limit for all variants together: 90s, 10m, 2h"),
                .value("resamples", "N", "bootstrap resamples for the test-set intervals", default: "1000"),
                .value("split-by", "COL", "time-ordered split instead of stratified: earliest 60 % train, next 20 % valid, latest 20 % test, by this column (leads: created_at; --data: any column, which is then not a feature)"),
                .value("threads", "N", "worker threads (default: all cores)"),
                .value("serving-budget", "US", "the most one served lead may cost, scored and explained, in microseconds on this machine: the global model is chosen among the candidates within it"),
                .value("seed", "N", "random seed of the whole run", default: "0"),
                .value("out", "DIR", "model registry directory", default: "models"),
                OptionSpec.textOrJSON,
                .flag("no-promote", "add the version without making it current"),
                .flag("no-refit", "ship the models as fitted on the training rows, instead of refitting them on all rows after the decisions"),
                .value("cross-fit-below", "N", "tables with fewer rows make every decision from 5-fold out-of-fold scores on the training and validation rows together (0: never)", default: "5000"),
            ] + OptionSpec.columnExclusions,
            discussion: """
                Writes models/versions/vN/ (one bundle per model: global (the served model), baseline, gbdt-leafwise,
                gbdt-depthwise, gbdt-oblivious, ensemble, and pc/health/commercial where a vertical earns its own model;
                tuning/ with the trial histories; summary.json; report.html) and points models/current at it.
                With the same --seed and SOURCE_DATE_EPOCH the bundles are the same bit for bit (summary.json and
                report.html also record run times). Tuning studies are kept in models/.studies/: an interrupted run,
                started again with the same options, resumes its trials.
                Once every decision is made on the split, the shipped models are refitted on all rows (same parameters
                and rounds; --no-refit keeps them as fitted on the training rows); the test figures are from before the refit.
                On a table of fewer than --cross-fit-below rows (not time-ordered), the training and validation rows are
                one development set: the candidates are tuned and fitted on it, and the decisions below use each row's
                out-of-fold score (5 folds) instead of a validation split of a few hundred rows.
                The served model (global) is the candidate with the least explanation work among those whose validation
                AUC is within one standard error (DeLong, paired) of the best's; the summary and report give every
                candidate's gap and measured cost per lead. Platt scaling is kept only where it lowers the validation log
                loss out of sample, and a vertical keeps its own model only past DeLong's test (one-sided p < 0.05).
                """),
        run: run)

    private static func run(_ options: ParsedOptions) throws -> Int32 {
        if options.string("data") != nil && options.namesDatabase {
            throw UsageError(message: "give either --data or --database-url, not both")
        }
        let json = try options.wantsJSON()
        var configuration = TrainAllConfiguration()
        configuration.seed = UInt64(try options.int("seed", default: 0, in: 0...Int.max)!)
        configuration.threads = try options.int("threads", default: defaultThreadCount, in: 1...256)!
        configuration.splitBy = options.string("split-by")
        configuration.ignoredColumns = options.excludedColumns
        if options.string("data") != nil {
            configuration.source = .csv(path: try options.inputURL("data").path, target: options.string("target") ?? "converted")
        } else if options.namesDatabase, let url = try options.databaseURL(readingEnvironment: false) {
            configuration.source = .database(url: url, vertical: try options.choice("vertical", Vertical.allCases.map(\.rawValue)),
                                             days: try options.int("days", in: 1...36_500))
        }
        do {
            let data = try TrainAllData.load(configuration)
            // With --format json, standard output is the summary document alone.
            if json { Console.error(data.description) } else { Console.out(data.description) }
            warnAboutIdentifierColumns(data.train, command: "train-all")
            configuration.trials = try options.int("trials", default: 12, in: 1...10_000)!
            configuration.folds = try options.int("cv", default: 3, in: 2...20)!
            configuration.resamples = try options.int("resamples", default: 1000, in: 1...100_000)!
            configuration.timeout = try options.string("timeout").map(TuneCommand.parseDuration)
            configuration.servingBudgetMicroseconds = try options.double("serving-budget", in: 0.001...1e9)
            configuration.registry = URL(fileURLWithPath: options.string("out") ?? "models")
            configuration.promote = !options.flag("no-promote")
            configuration.refit = !options.flag("no-refit")
            configuration.crossFitBelow = try options.int("cross-fit-below", default: 5000, in: 0...Int.max)!
            let result = try TrainAllPipeline.run(data, configuration)
            if json {
                // The version's summary.json, as written: the document `models show --format json` embeds.
                let summary = try String(contentsOf: result.versionDirectory.appendingPathComponent(ModelRegistry.summaryFile), encoding: .utf8)
                Console.out(summary.trimmingCharacters(in: .newlines))
            } else {
                Console.out(result.description)
            }
            return 0
        } catch let error as TrainAllInputError {
            throw UsageError(message: error.message)
        }
    }
}
