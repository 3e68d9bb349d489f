import Core
import Foundation
import Evaluation
import Training
import Tuning

/// `mlctl train`: one model (gradient-boosted trees or the logistic baseline) on a CSV table.
enum TrainCommand {
    static let train = Command(
        spec: CommandSpec(
            path: ["train"], summary: "Train one model on a CSV table",
            options: [
                .value("data", "FILE", "training table (CSV with a header row)", required: true),
                .value("target", "COL", "label column (0/1)", required: true),
                .value("weight", "COL", "sample-weight column"),
                .value("algorithm", "A", "gbdt (gradient-boosted trees) or logistic (scaling + one-hot + optional SMOTE + logistic regression)", default: "gbdt"),
                .value("growth", "G", "leafwise (LightGBM), depthwise (XGBoost) or oblivious (CatBoost)", default: "leafwise"),
                .value("trees", "N", "boosting rounds", default: "100"),
                .value("learning-rate", "X", "shrinkage", default: "0.1"),
                .value("num-leaves", "N", "leaves per tree (leaf-wise)", default: "31"),
                .value("max-depth", "N", "depth limit (-1: none for leaf-wise, 6 otherwise)", default: "-1"),
                .value("max-bin", "N", "histogram bins per numeric feature, ≤ 255", default: "255"),
                .value("min-data-in-leaf", "N", "minimum rows per leaf", default: "20"),
                .value("min-sum-hessian-in-leaf", "X", "minimum hessian per leaf", default: "0.001"),
                .value("lambda-l1", "X", "L1 regularisation", default: "0"),
                .value("lambda-l2", "X", "L2 regularisation", default: "0"),
                .value("min-gain-to-split", "X", "minimum gain of a split", default: "0"),
                .value("max-delta-step", "X", "clip leaf outputs (0: off)", default: "0"),
                .value("feature-fraction", "X", "features sampled per tree", default: "1"),
                .value("bagging-fraction", "X", "rows sampled per bagging round", default: "1"),
                .value("bagging-freq", "N", "bag every N rounds (0: off)", default: "0"),
                .flag("goss", "gradient-based one-side sampling"),
                .value("scale-pos-weight", "X", "weight of positive rows", default: "1"),
                .flag("balanced", "weight classes inversely to their frequency"),
                .value("C", "X", "logistic: inverse regularisation strength, as scikit-learn", default: "1"),
                .value("penalty", "P", "logistic: l2, l1, elasticnet or none", default: "l2"),
                .value("l1-ratio", "X", "logistic: L1 share of an elasticnet penalty", default: "0.5"),
                .value("solver", "S", "logistic: auto, newton (Cholesky) or lbfgs (OWL-QN with L1)", default: "auto"),
                .value("tolerance", "X", "logistic: stop at this largest gradient component (scikit-learn's tol)", default: "0.0001"),
                .value("max-iterations", "N", "logistic: iteration limit", default: "1000"),
                .value("imputation", "I", "logistic: fill missing numbers with the training mean or median", default: "mean"),
                .flag("smote", "logistic: oversample the minority class with SMOTE (SMOTE-NC with categorical columns)"),
                .value("smote-ratio", "X", "logistic: minority/majority ratio after SMOTE (default: 1, i.e. balanced)"),
                .value("smote-k", "N", "logistic: SMOTE neighbours", default: "5"),
                .flag("no-prior-correction", "logistic: keep the class prior that SMOTE / --balanced shifted (probabilities then overstate the minority class)"),
                .value("categorical", "COLS", "auto (non-numeric columns) or a comma-separated list of columns to treat as categorical", default: "auto"),
                .value("valid", "FILE", "validation table (same columns) for early stopping"),
                .value("early-stopping", "N", "stop after N rounds without improvement on --valid"),
                .value("metric", "M", "early-stopping metric: log_loss or roc_auc", default: "log_loss"),
                .value("threads", "N", "worker threads (default: all cores; the model does not depend on it)"),
                .value("seed", "N", "random seed", default: "0"),
                .value("out", "DIR", "model bundle directory (replaced atomically if it exists)", required: true),
            ] + OptionSpec.columnExclusions,
            discussion: """
                Options marked 'logistic:' apply to --algorithm logistic only; the tree options (--trees, --growth, …) to gbdt only.
                Early stopping (--valid, --early-stopping, --metric) is for gbdt; with logistic, --valid is scored and reported.
                The bundle is written to a temporary directory and renamed into place: an existing bundle is replaced whole or not at all.
                """),
        run: runTrain)


    /// Options that only the tree models take.
    static let treeOnly = ["growth", "trees", "learning-rate", "num-leaves", "max-depth", "max-bin", "min-data-in-leaf",
                           "min-sum-hessian-in-leaf", "lambda-l1", "lambda-l2", "min-gain-to-split", "max-delta-step", "feature-fraction",
                           "bagging-fraction", "bagging-freq", "goss", "scale-pos-weight", "early-stopping", "metric"]
    /// Options that only the logistic baseline takes.
    static let logisticOnly = ["C", "penalty", "l1-ratio", "solver", "tolerance", "max-iterations", "imputation", "smote", "smote-ratio",
                               "smote-k", "no-prior-correction"]

    private static func runTrain(_ options: ParsedOptions) throws -> Int32 {
        let algorithm = try options.choice("algorithm", ["gbdt", "logistic"], default: "gbdt")!
        let foreign = algorithm == "gbdt" ? logisticOnly : treeOnly
        if let given = foreign.first(where: { options.string($0) != nil || options.flag($0) }) {
            throw UsageError(message: "option '--\(given)' does not apply to --algorithm \(algorithm)")
        }
        if algorithm == "logistic" { return try runTrainLogistic(options) }
        var parameters = GBDTParameters()
        parameters.growth = GrowthPolicy(rawValue: try options.choice("growth", GrowthPolicy.allCases.map(\.rawValue), default: "leafwise")!)!
        parameters.trees = try options.int("trees", default: parameters.trees, in: 1...1_000_000)!
        parameters.learningRate = try options.double("learning-rate", default: parameters.learningRate)!
        parameters.numLeaves = try options.int("num-leaves", default: parameters.numLeaves)!
        parameters.maxDepth = try options.int("max-depth", default: parameters.maxDepth)!
        parameters.maxBin = try options.int("max-bin", default: parameters.maxBin)!
        parameters.minDataInLeaf = try options.int("min-data-in-leaf", default: parameters.minDataInLeaf)!
        parameters.minSumHessianInLeaf = try options.double("min-sum-hessian-in-leaf", default: parameters.minSumHessianInLeaf)!
        parameters.lambdaL1 = try options.double("lambda-l1", default: parameters.lambdaL1)!
        parameters.lambdaL2 = try options.double("lambda-l2", default: parameters.lambdaL2)!
        parameters.minGainToSplit = try options.double("min-gain-to-split", default: parameters.minGainToSplit)!
        parameters.maxDeltaStep = try options.double("max-delta-step", default: parameters.maxDeltaStep)!
        parameters.featureFraction = try options.double("feature-fraction", default: parameters.featureFraction)!
        parameters.baggingFraction = try options.double("bagging-fraction", default: parameters.baggingFraction)!
        parameters.baggingFrequency = try options.int("bagging-freq", default: parameters.baggingFrequency)!
        parameters.goss = options.flag("goss")
        parameters.scalePositiveWeight = try options.double("scale-pos-weight", default: parameters.scalePositiveWeight)!
        parameters.balanced = options.flag("balanced")
        parameters.earlyStoppingRounds = try options.int("early-stopping", default: 0, in: 0...1_000_000)!
        parameters.seed = UInt64(try options.int("seed", default: 0, in: 0...Int.max)!)
        parameters.threads = try options.int("threads", default: 0, in: 0...256)!
        let metric = EarlyStoppingMetric(rawValue: try options.choice("metric", ["log_loss", "roc_auc"], default: "log_loss")!)!
        do { try parameters.validate() } catch { throw UsageError(message: error.description) }
        if parameters.earlyStoppingRounds > 0 && options.string("valid") == nil {
            throw UsageError(message: "--early-stopping needs --valid FILE")
        }

        let threads = parameters.effectiveThreads
        let target = try options.required("target")
        let (train, validation) = try readTables(options, target: target, threads: threads)
        let progress = TerminalProgress("train", total: parameters.trees, unit: "trees")
        let model = try GBDTTrainer.train(train, parameters: parameters, validation: validation, metric: metric) { p in
            progress.update(p.round)
        }
        var metrics: [String: Double] = [:]
        if let last = model.validationHistory.isEmpty ? nil : model.validationHistory[model.trees.count - 1] {
            metrics["validation_\(metric.rawValue)"] = last
        }
        var manifest = BundleManifest(modelKind: "gbdt", target: target, inputSchema: model.features, parameters: parameters,
                                      seed: parameters.seed, dataFingerprint: train.fingerprint(), trainingRows: train.rowCount, metrics: metrics)
        manifest.inputProfile = InputProfile.make(train)
        let out = URL(fileURLWithPath: try options.required("out"))
        try ModelBundle.write(model, manifest: manifest, to: out)
        let leaves = model.trees.reduce(0) { $0 + $1.leafCount }
        var summary = "\(model.trees.count) trees (\(formatCount(leaves)) leaves)"
        if let value = metrics["validation_\(metric.rawValue)"] { summary += ", validation \(metric.rawValue) \(String(format: "%.5f", value))" }
        progress.finish("\(summary); wrote \(out.path)")
        let splits = model.featureImportance(byGain: false)
        printTopFeatures(model.features, model.featureImportance(byGain: true), measure: "total gain (splits)") {
            String(format: "%12.2f  (%d)", $1, Int(splits[$0]))
        }
        return 0
    }

    /// Reads `--data` (and `--valid`, with the training table's column kinds) as the training
    /// options say, and reports what it read.
    private static func readTables(_ options: ParsedOptions, target: String, threads: Int) throws -> (train: Dataset, validation: Dataset?) {
        let started = Date()
        var kinds: [String: ColumnKind] = [:]
        let categorical = options.string("categorical") ?? "auto"
        if categorical != "auto" {
            for name in categorical.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                kinds[name] = .categorical
            }
        }
        let train = try CSVReader.read(contentsOf: try options.inputURL("data"),
                                       options: CSVReadOptions(target: target, weightColumn: options.string("weight"),
                                                               ignoredColumns: options.excludedColumns, columnKinds: kinds, threads: threads))
        warnAboutIdentifierColumns(train, command: "train")
        var validation: Dataset?
        if let validPath = options.string("valid") {
            var validKinds: [String: ColumnKind] = [:]
            for column in train.columns { validKinds[column.name] = column.isCategorical ? .categorical : .numeric }
            let validURL = URL(fileURLWithPath: validPath)
            let present = Set(try CSVReader.header(of: validURL))
            validation = try CSVReader.read(contentsOf: validURL, options: CSVReadOptions(
                target: target, weightColumn: options.string("weight"), ignoredColumns: options.excludedColumns,
                columnKinds: validKinds.filter { present.contains($0.key) }, threads: threads))
        }
        Console.error("train: read \(formatCount(train.rowCount)) rows × \(train.columns.count) features in \(formatDuration(Date().timeIntervalSince(started)))")
        return (train, validation)
    }

    private static func runTrainLogistic(_ options: ParsedOptions) throws -> Int32 {
        var parameters = LogisticParameters()
        parameters.C = try options.double("C", default: parameters.C, in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude)!
        parameters.penalty = Penalty(rawValue: try options.choice("penalty", Penalty.allCases.map(\.rawValue), default: "l2")!)!
        parameters.l1Ratio = try options.double("l1-ratio", default: parameters.l1Ratio, in: 0...1)!
        parameters.solver = LogisticSolver(rawValue: try options.choice("solver", LogisticSolver.allCases.map(\.rawValue), default: "auto")!)!
        parameters.tolerance = try options.double("tolerance", default: parameters.tolerance, in: 0...1)!
        parameters.maximumIterations = try options.int("max-iterations", default: parameters.maximumIterations, in: 1...10_000_000)!
        parameters.imputation = LinearPreprocessor.Imputation(rawValue: try options.choice("imputation", ["mean", "median"], default: "mean")!)!
        parameters.balanced = options.flag("balanced")
        parameters.smote = options.flag("smote")
        if let ratio = try options.double("smote-ratio", in: Double.leastNonzeroMagnitude...1) {
            guard parameters.smote else { throw UsageError(message: "--smote-ratio needs --smote") }
            parameters.smoteStrategy = .ratio(ratio)
        }
        parameters.smoteNeighbours = try options.int("smote-k", default: parameters.smoteNeighbours, in: 1...1000)!
        parameters.priorCorrection = !options.flag("no-prior-correction")
        parameters.seed = UInt64(try options.int("seed", default: 0, in: 0...Int.max)!)
        parameters.threads = try options.int("threads", default: 0, in: 0...256)!
        if parameters.solver == .newton && (parameters.penalty == .l1 || parameters.penalty == .elasticnet) {
            throw UsageError(message: "--solver newton needs a smooth penalty (l2 or none); use lbfgs or auto for \(parameters.penalty.rawValue)")
        }

        let threads = parameters.effectiveThreads
        let target = try options.required("target")
        let (train, validation) = try readTables(options, target: target, threads: threads)
        let fitStarted = Date()
        let model = try LogisticTrainer.train(train, parameters: parameters)
        var metrics: [String: Double] = [:]
        if let validation {
            let scores = try model.probabilities(validation, threads: threads)
            metrics["validation_log_loss"] = ProbabilityMetrics.logLoss(probabilities: scores, labels: validation.labels, weights: validation.weights)
            metrics["validation_roc_auc"] = RankingMetrics.rocAUC(scores: scores, labels: validation.labels, weights: validation.weights)
        }
        var manifest = BundleManifest(modelKind: "logistic", target: target, inputSchema: model.features, logisticParameters: parameters,
                                      seed: parameters.seed, dataFingerprint: train.fingerprint(), trainingRows: train.rowCount, metrics: metrics)
        manifest.inputProfile = InputProfile.make(train)
        let out = URL(fileURLWithPath: try options.required("out"))
        try ModelBundle.write(.logistic(model), manifest: manifest, to: out)
        var summary = "logistic regression: \(model.coefficients.count) design columns, \(model.fittedRows - train.rowCount) SMOTE rows, "
        summary += "\(model.iterations) \(model.converged ? "" : "(NOT converged) ")iterations in \(formatDuration(Date().timeIntervalSince(fitStarted)))"
        if let auc = metrics["validation_roc_auc"] { summary += String(format: ", validation roc_auc %.5f", auc) }
        Console.error("train: \(summary); wrote \(out.path)")
        if !model.converged {
            Console.error("train: warning: the solver stopped at --max-iterations \(parameters.maximumIterations) before reaching --tolerance; raise either, or regularise more (smaller --C)")
        }
        printTopFeatures(model.features, model.featureImportance(), measure: "|coefficient| × standard deviation") { String(format: "%9.4f", $1) }
        return 0
    }

    /// Prints the ten most important features (importance > 0), one per line, each value as
    /// `format(index, importance)` gives it.
    private static func printTopFeatures(_ features: [ModelFeature], _ importance: [Double], measure: String, format: (Int, Double) -> String) {
        let top = importance.indices.sorted { importance[$0] > importance[$1] }.prefix(10).filter { importance[$0] > 0 }
        guard !top.isEmpty else { return }
        let width = top.map { features[$0].name.count }.max()!
        Console.error("top features by \(measure):\n" + top.map {
            "  \(features[$0].name.padding(toLength: width, withPad: " ", startingAt: 0))  \(format($0, importance[$0]))"
        }.joined(separator: "\n"))
    }
}
