import Core
import Evaluation
import Foundation
import Training
import Tuning

/// `mlctl tune`: hyperparameter search with cross-validation, then the best model refitted on
/// all training rows.
enum TuneCommand {
    static let tune = Command(
        spec: CommandSpec(
            path: ["tune"], summary: "Search hyperparameters (TPE, Gaussian process, random) with cross-validation",
            options: [
                .value("data", "FILE", "training table (CSV with a header row)", required: true),
                .value("target", "COL", "label column (0/1)", required: true),
                .value("weight", "COL", "sample-weight column"),
                .value("algorithm", "A", "gbdt or logistic", default: "gbdt"),
                .value("growth", "G", "gbdt: leafwise, depthwise or oblivious", default: "leafwise"),
                .value("trials", "N", "number of trials (a resumed study counts its trials)", required: true),
                .value("sampler", "S", "tpe, tpe-multivariate, gp or random", default: "tpe"),
                .value("pruner", "P", "median, asha or none", default: "median"),
                .value("cv", "N", "cross-validation folds", default: "5"),
                .value("metric", "M", "roc_auc, pr_auc or log_loss", default: "roc_auc"),
                .value("timeout", "DURATION", "stop starting trials after this long: 90s, 10m, 2h (a number is seconds)"),
                .value("trees", "N", "gbdt: most boosting rounds per fit (early stopping picks fewer)", default: "1000"),
                .value("early-stopping", "N", "gbdt: rounds without improvement on the fold before stopping", default: "50"),
                .flag("smote", "logistic: SMOTE inside each training fold"),
                .flag("balanced", "weight classes inversely to their frequency"),
                .value("parallel-trials", "N", "trials evaluated at once (each gets all threads; 1 suits gbdt)", default: "1"),
                .value("study", "FILE", "study file, written after every trial; an existing one is resumed when it was made on the same data, space, metric, folds and seed, and replaced otherwise (default: OUT.study.json)"),
                .flag("resume", "resume the stored study, and fail if it was made on other data or settings"),
                .flag("fresh", "discard the stored study and start a fresh one"),
                .value("threads", "N", "worker threads (default: all cores)"),
                .value("seed", "N", "random seed (folds, sampler, models)", default: "0"),
                .value("out", "DIR", "bundle of the best model, refitted on all rows, with the trial history (tuning.json)", required: true),
            ] + OptionSpec.columnExclusions,
            discussion: """
                Prints one line per trial with its cross-validated metric and the best so far. Each trial's folds, sampler draws
                and model seeds derive from --seed and the trial number: the same command gives the same trials. Interrupted,
                the same command resumes from the study file. A study file records the data's fingerprint, the metric, the
                folds, the seed and the fixed settings; run on other data or settings, tune starts a fresh study and says why
                (--resume fails instead, --fresh always starts afresh). GBDT searches num_leaves, learning_rate, min_data_in_leaf,
                feature_fraction, bagging_fraction, lambda_l1 and lambda_l2, with the number of trees from early stopping;
                logistic searches C, penalty and (for elasticnet) l1_ratio.
                """),
        run: run)

    /// Seconds from `90`, `90s`, `10m` or `2h`.
    static func parseDuration(_ text: String) throws(UsageError) -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var number = text, scale = 1.0
        if let last = text.last, let unit = units[last] { number = String(text.dropLast()); scale = unit }
        guard let value = Double(number), value > 0, value.isFinite else {
            throw UsageError(message: "option '--timeout' needs a duration such as 90s, 10m or 2h, got '\(text)'")
        }
        return value * scale
    }

    private static func run(_ options: ParsedOptions) throws -> Int32 {
        let algorithm = try options.choice("algorithm", ["gbdt", "logistic"], default: "gbdt")!
        let trialCount = try options.int("trials", in: 1...100_000)!
        let samplerName = try options.choice("sampler", ["tpe", "tpe-multivariate", "gp", "random"], default: "tpe")!
        let prunerName = try options.choice("pruner", ["median", "asha", "none"], default: "median")!
        let folds = try options.int("cv", default: 5, in: 2...100)!
        let metric = SearchMetric(rawValue: try options.choice("metric", SearchMetric.allCases.map(\.rawValue), default: "roc_auc")!)!
        let timeout = try options.string("timeout").map(parseDuration)
        let seed = UInt64(try options.int("seed", default: 0, in: 0...Int.max)!)
        let threads = try options.int("threads", default: 0, in: 0...256)!
        let parallelTrials = try options.int("parallel-trials", default: 1, in: 1...64)!
        let target = try options.required("target")
        let out = URL(fileURLWithPath: try options.required("out"))
        let studyURL = URL(fileURLWithPath: options.string("study") ?? out.path + ".study.json")

        let sampler: Sampler
        switch samplerName {
        case "tpe": sampler = TPESampler()
        case "tpe-multivariate": sampler = TPESampler(multivariate: true)
        case "random": sampler = RandomSampler()
        default: sampler = GPSampler()
        }
        let pruner: Pruner? = prunerName == "median" ? MedianPruner() : prunerName == "asha" ? SuccessiveHalvingPruner() : nil

        let started = Date()
        let data = try CSVReader.read(contentsOf: try options.inputURL("data"),
                                      options: CSVReadOptions(target: target, weightColumn: options.string("weight"), ignoredColumns: options.excludedColumns,
                                                              threads: threads > 0 ? threads : defaultThreadCount))
        Console.error("tune: read \(formatCount(data.rowCount)) rows × \(data.columns.count) features in \(formatDuration(Date().timeIntervalSince(started)))")
        warnAboutIdentifierColumns(data, command: "tune")
        let cv = CrossValidation(data: data, folds: folds, metric: metric, seed: seed)

        var gbdtBase = GBDTParameters()
        gbdtBase.growth = GrowthPolicy(rawValue: try options.choice("growth", GrowthPolicy.allCases.map(\.rawValue), default: "leafwise")!)!
        gbdtBase.trees = try options.int("trees", default: 1000, in: 1...1_000_000)!
        gbdtBase.earlyStoppingRounds = try options.int("early-stopping", default: 50, in: 1...1_000_000)!
        gbdtBase.balanced = options.flag("balanced")
        gbdtBase.threads = threads
        var logisticBase = LogisticParameters()
        logisticBase.smote = options.flag("smote")
        logisticBase.balanced = options.flag("balanced")
        logisticBase.threads = threads
        if algorithm == "gbdt" && options.flag("smote") { throw UsageError(message: "--smote applies to --algorithm logistic only") }

        let isGBDT = algorithm == "gbdt"
        let space = isGBDT ? ModelSearch.gbdtSpace : ModelSearch.logisticSpace
        if options.flag("resume") && options.flag("fresh") { throw UsageError(message: "give --resume or --fresh, not both") }
        let fixed = isGBDT
            ? "gbdt \(gbdtBase.growth.rawValue), at most \(gbdtBase.trees) rounds, early stopping \(gbdtBase.earlyStoppingRounds), balanced \(gbdtBase.balanced)"
            : "logistic, smote \(logisticBase.smote), balanced \(logisticBase.balanced)"
        let study = try Study(space: space, direction: metric.direction, sampler: sampler, pruner: pruner, seed: seed, storage: studyURL,
                              context: cv.studyContext(fixed: fixed),
                              resumption: options.flag("resume") ? .required : options.flag("fresh") ? .fresh : .whenMatching)
        if !study.trials.isEmpty { Console.error("tune: resuming \(studyURL.path) with \(study.trials.count) trials done") }
        if let reason = study.startedFreshBecause { Console.error("tune: starting a fresh study in \(studyURL.path): \(reason)") }
        let gbdt = gbdtBase, logistic = logisticBase
        let objective: @Sendable (TrialContext) throws -> Double = { trial in
            isGBDT ? try ModelSearch.crossValidateGBDT(trial, base: gbdt, cv: cv) : try ModelSearch.crossValidateLogistic(trial, base: logistic, cv: cv)
        }
        let searchStarted = Date(), resumedCount = study.trials.count
        try study.optimize(trialCount: trialCount, timeout: timeout, parallelTrials: parallelTrials, objective: objective) { trial, study in
            Console.error(describe(trial, of: trialCount, study: study, metric: metric, elapsed: Date().timeIntervalSince(searchStarted), resumed: resumedCount))
        }
        guard let best = study.bestTrial else {
            Console.error("tune: no trial completed; see the errors above and \(studyURL.path)")
            return 1
        }
        Console.error("tune: best trial #\(best.number + 1): \(metric.rawValue) \(String(format: "%.5f", best.value!)) with \(format(best.parameters))")

        // Refit the best parameters on every training row.
        let refitStarted = Date()
        let model: TrainedModel
        var manifest: BundleManifest
        if algorithm == "gbdt" {
            var parameters = ModelSearch.gbdtParameters(best.parameters, base: gbdtBase)
            parameters.trees = max(1, Int((best.attributes["trees"] ?? Double(gbdtBase.trees)).rounded()))
            parameters.earlyStoppingRounds = 0
            parameters.seed = seed
            model = .gbdt(try GBDTTrainer.train(data, parameters: parameters))
            manifest = BundleManifest(modelKind: "gbdt", target: target, inputSchema: model.features, parameters: parameters, seed: seed,
                                      dataFingerprint: data.fingerprint(), trainingRows: data.rowCount, metrics: [:])
        } else {
            var parameters = ModelSearch.logisticParameters(best.parameters, base: logisticBase)
            parameters.seed = seed
            model = .logistic(try LogisticTrainer.train(data, parameters: parameters))
            manifest = BundleManifest(modelKind: "logistic", target: target, inputSchema: model.features, logisticParameters: parameters, seed: seed,
                                      dataFingerprint: data.fingerprint(), trainingRows: data.rowCount, metrics: [:])
        }
        manifest.metrics["cv_\(metric.rawValue)"] = best.value!
        manifest.inputProfile = InputProfile.make(data)
        try ModelBundle.write(model, manifest: manifest, to: out, extraFiles: ["tuning.json": try Data(contentsOf: studyURL)])
        Console.error("tune: refitted on \(formatCount(data.rowCount)) rows in \(formatDuration(Date().timeIntervalSince(refitStarted))); wrote \(out.path) (trial history in tuning.json)")
        return 0
    }

    private static func format(_ parameters: [String: ParameterValue]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    private static func describe(_ trial: Trial, of total: Int, study: Study, metric: SearchMetric, elapsed: Double, resumed: Int) -> String {
        let head = "trial \(trial.number + 1)/\(total)"
        var line: String
        switch trial.state {
        case .complete: line = "\(head)  \(metric.rawValue) \(String(format: "%.5f", trial.value!))"
        case .pruned: line = "\(head)  pruned after fold \(trial.intermediateValues.keys.max() ?? 0) (\(String(format: "%.5f", trial.value ?? .nan)))"
        case .failed: line = "\(head)  failed: \(trial.error ?? "unknown error")"
        }
        if let best = study.bestTrial { line += "  best \(String(format: "%.5f", best.value!)) (#\(best.number + 1))" }
        let done = study.trials.count
        let remaining = elapsed / Double(max(1, done - resumed)) * Double(max(0, total - done))
        line += "  \(formatDuration(trial.duration))  ETA \(formatDuration(remaining))  \(format(trial.parameters))"
        return line
    }
}
