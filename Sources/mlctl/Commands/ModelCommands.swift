import Foundation
import Training

/// `mlctl train` and `mlctl predict`.
enum ModelCommands {
    static let train = Command(
        spec: CommandSpec(
            path: ["train"], summary: "Train one model on a CSV table",
            options: [
                .value("data", "FILE", "training table (CSV with a header row)", required: true),
                .value("target", "COL", "label column (0/1)", required: true),
                .value("weight", "COL", "sample-weight column"),
                .value("algorithm", "A", "gbdt (logistic: issue #4)", default: "gbdt"),
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
                .value("categorical", "COLS", "auto (non-numeric columns) or a comma-separated list of columns to treat as categorical", default: "auto"),
                .value("valid", "FILE", "validation table (same columns) for early stopping"),
                .value("early-stopping", "N", "stop after N rounds without improvement on --valid"),
                .value("metric", "M", "early-stopping metric: log_loss or roc_auc", default: "log_loss"),
                .value("threads", "N", "worker threads (default: all cores; the model does not depend on it)"),
                .value("seed", "N", "random seed", default: "0"),
                .value("out", "DIR", "model bundle directory (replaced atomically if it exists)", required: true),
            ]),
        run: runTrain)

    static let predict = Command(
        spec: CommandSpec(
            path: ["predict"], summary: "Score a CSV table with a model bundle",
            options: [
                .value("model", "DIR", "model bundle (from mlctl train)", required: true),
                .value("data", "FILE", "table to score; a target column in it is ignored", required: true),
                .value("out", "FILE", "output CSV (default: standard output)"),
                .flag("contributions", "add per-feature contributions (TreeSHAP)"),
                .value("threads", "N", "worker threads (default: all cores)"),
            ],
            discussion: """
                Writes one row per input row, in input order, with a 'score' column: the probability of label 1.
                With --contributions, one 'contrib_NAME' column per model feature and 'contrib_bias' follow:
                TreeSHAP values in log-odds, which add up to logit(score).
                """),
        run: runPredict)

    /// Reads a table to score with `manifest`'s model: the model's column kinds apply to the
    /// columns the file has; the training target is ignored unless it is asked for as `target`.
    static func readData(_ url: URL, for manifest: BundleManifest, target: String?, threads: Int) throws -> Dataset {
        var kinds: [String: ColumnKind] = [:]
        for feature in manifest.inputSchema { kinds[feature.name] = feature.kind }
        let present = Set(try CSVReader.header(of: url))
        let ignored = Set([manifest.target].compactMap { $0 }).subtracting([target].compactMap { $0 })
        return try CSVReader.read(contentsOf: url, options: CSVReadOptions(
            target: target, ignoredColumns: ignored, columnKinds: kinds.filter { present.contains($0.key) && $0.key != target }, threads: threads))
    }

    private static func runTrain(_ options: ParsedOptions) throws -> Int32 {
        let algorithm = try options.choice("algorithm", ["gbdt", "logistic"], default: "gbdt")!
        if algorithm == "logistic" { return notImplemented("train --algorithm logistic", issue: 4, "the logistic-regression baseline") }
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

        let target = try options.required("target")
        var kinds: [String: ColumnKind] = [:]
        let categorical = options.string("categorical") ?? "auto"
        if categorical != "auto" {
            for name in categorical.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                kinds[name] = .categorical
            }
        }
        let started = Date()
        let threads = parameters.threads > 0 ? parameters.threads : defaultThreadCount
        let train = try CSVReader.read(contentsOf: URL(fileURLWithPath: try options.required("data")),
                                       options: CSVReadOptions(target: target, weightColumn: options.string("weight"), columnKinds: kinds, threads: threads))
        var validation: Dataset?
        if let validPath = options.string("valid") {
            var validKinds: [String: ColumnKind] = [:]
            for column in train.columns { validKinds[column.name] = column.isCategorical ? .categorical : .numeric }
            let validURL = URL(fileURLWithPath: validPath)
            let present = Set(try CSVReader.header(of: validURL))
            validation = try CSVReader.read(contentsOf: validURL, options: CSVReadOptions(
                target: target, weightColumn: options.string("weight"), columnKinds: validKinds.filter { present.contains($0.key) }, threads: threads))
        }
        Console.error("train: read \(formatCount(train.rowCount)) rows × \(train.columns.count) features in \(formatDuration(Date().timeIntervalSince(started)))")
        let progress = Progress("train", total: parameters.trees, unit: "trees")
        let model = try GBDTTrainer.train(train, parameters: parameters, validation: validation, metric: metric) { p in
            progress.update(p.round)
        }
        var metrics: [String: Double] = [:]
        if let last = model.validationHistory.isEmpty ? nil : model.validationHistory[model.trees.count - 1] {
            metrics["validation_\(metric.rawValue)"] = last
        }
        let manifest = BundleManifest(modelKind: "gbdt", target: target, inputSchema: model.features, parameters: parameters,
                                      seed: parameters.seed, dataFingerprint: train.fingerprint(), trainingRows: train.rowCount, metrics: metrics)
        let out = URL(fileURLWithPath: try options.required("out"))
        try ModelBundle.write(model, manifest: manifest, to: out)
        let leaves = model.trees.reduce(0) { $0 + $1.leafCount }
        var summary = "\(model.trees.count) trees (\(formatCount(leaves)) leaves)"
        if let value = metrics["validation_\(metric.rawValue)"] { summary += ", validation \(metric.rawValue) \(String(format: "%.5f", value))" }
        progress.finish("\(summary); wrote \(out.path)")
        let gains = model.featureImportance(byGain: true), splits = model.featureImportance(byGain: false)
        let top = gains.indices.sorted { gains[$0] > gains[$1] }.prefix(10).filter { gains[$0] > 0 }
        if !top.isEmpty {
            let width = top.map { model.features[$0].name.count }.max()!
            Console.error("top features by total gain (splits):\n" + top.map {
                "  \(model.features[$0].name.padding(toLength: width, withPad: " ", startingAt: 0))  \(String(format: "%12.2f", gains[$0]))  (\(Int(splits[$0])))"
            }.joined(separator: "\n"))
        }
        return 0
    }

    private static func runPredict(_ options: ParsedOptions) throws -> Int32 {
        let threads = try options.int("threads", default: defaultThreadCount, in: 1...256)!
        let (manifest, model) = try ModelBundle.read(from: URL(fileURLWithPath: try options.required("model")))
        let data = try readData(URL(fileURLWithPath: try options.required("data")), for: manifest, target: nil, threads: threads)
        let scores = try model.probabilities(data, threads: threads)
        var text: String
        if options.flag("contributions") {
            // TreeSHAP in raw-score (log-odds) units: contrib_bias + Σ contrib_* = logit(score).
            let phi = try model.contributions(data, threads: threads)
            let bias = model.expectedRawScore
            text = (["score"] + model.features.map { "contrib_" + $0.name } + ["contrib_bias"]).map(CSVWriter.field).joined(separator: ",") + "\n"
            for (row, score) in scores.enumerated() {
                text += ([score] + phi[row] + [bias]).map { "\($0)" }.joined(separator: ",") + "\n"
            }
        } else {
            text = "score\n"
            text.reserveCapacity(scores.count * 20)
            for score in scores { text += "\(score)\n" }
        }
        if let out = options.string("out") {
            try CSVWriter.writeAtomically(to: URL(fileURLWithPath: out)) { $0.write(Data(text.utf8)) }
            Console.error("predict: wrote \(formatCount(scores.count)) scores to \(out)")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        return 0
    }
}
