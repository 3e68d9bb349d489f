import Core
import Evaluation
import Foundation
import Training
import Tuning

/// `mlctl train-all`: the main job. From leads (or any table) to a new version in the model
/// registry: a stratified train/validation/test split; the logistic baseline (SMOTE); the three
/// tree variants, each tuned by TPE with cross-validation and pruning on the training rows; their
/// ensemble, weighted on the validation rows, becomes the `global` model; every model is
/// evaluated on the test rows with bootstrap intervals and compared with the baseline by
/// DeLong's test. The global model gets Platt scaling and quality levels from the validation
/// rows; each vertical gets its own model where it has enough data and beats the global one.
enum TrainAllCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["train-all"], summary: "From leads to tuned, evaluated models in a versioned registry",
            options: [
                .value("data", "FILE", "a CSV table instead of the bundled leads"),
                .value("target", "COL", "label column of --data", default: "converted"),
                .value("database-url", "URL", "read leads from PostgreSQL instead of the bundled data"),
                .value("vertical", "V", "with --database-url: only pc, health or commercial"),
                .value("days", "N", "with --database-url: only leads of the last N days"),
                .value("trials", "N", "tuning trials per tree variant", default: "12"),
                .value("cv", "N", "cross-validation folds while tuning", default: "3"),
                .value("timeout", "DURATION", "tuning time limit for all variants together: 90s, 10m, 2h"),
                .value("resamples", "N", "bootstrap resamples for the test-set intervals", default: "200"),
                .value("split-by", "COL", "time-ordered split instead of stratified: earliest 60 % train, next 20 % valid, latest 20 % test, by this column (leads: created_at; --data: any column, which is then not a feature)"),
                .value("threads", "N", "worker threads (default: all cores)"),
                .value("seed", "N", "random seed of the whole run", default: "42"),
                .value("out", "DIR", "model registry directory", default: "models"),
                .flag("no-promote", "add the version without making it current"),
            ],
            discussion: """
                Writes models/versions/vN/ (one bundle per model: global (the ensemble), baseline, gbdt-leafwise,
                gbdt-depthwise, gbdt-oblivious, ensemble, and pc/health/commercial where a vertical earns its own model;
                tuning/ with the trial histories; summary.json; report.html) and points models/current at it.
                With the same --seed and SOURCE_DATE_EPOCH the bundles are the same bit for bit (summary.json and
                report.html also record run times). Tuning studies are kept in models/.studies/: an interrupted run,
                started again with the same options, resumes its trials.
                """),
        run: run)

    private static func run(_ options: ParsedOptions) throws -> Int32 {
        let seed = UInt64(try options.int("seed", default: 42, in: 0...Int.max)!)
        let threads = try options.int("threads", default: defaultThreadCount, in: 1...256)!
        if options.string("data") != nil && options.string("database-url") != nil {
            throw UsageError(message: "give either --data or --database-url, not both")
        }
        let started = Date()
        let splitBy = options.string("split-by")
        var dataset: Dataset
        let source: String
        var timeKeys: [Double]?
        // The label column: --target for tables; leads are labelled by conversion.
        let target = options.string("data") != nil ? (options.string("target") ?? "converted") : "converted"
        if let path = options.string("data") {
            dataset = try CSVReader.read(contentsOf: URL(fileURLWithPath: path), options: CSVReadOptions(target: target, threads: threads))
            source = path
            if let splitBy {
                (dataset, timeKeys) = try orderingColumn(splitBy, of: dataset, file: path)
            }
        } else if let url = options.string("database-url") {
            let vertical = try options.choice("vertical", Vertical.allCases.map(\.rawValue))
            let days = try options.int("days", in: 1...36_500)
            let db = try PostgresConnection(url: url)
            let (leads, agents) = try LeadStore.loadLeads(from: db, filter: LeadFilter(vertical: vertical, days: days))
            dataset = LeadDataset.make(leads: leads, agents: agents, threads: threads)
            source = "PostgreSQL (\(formatCount(leads.count)) leads)"
            timeKeys = leads.map(\.createdAt)
        } else {
            let (leads, agents) = BundledLeads.load(threads: threads)
            dataset = LeadDataset.make(leads: leads, agents: agents, threads: threads)
            source = "bundled leads (seed \(BundledLeads.seed))"
            timeKeys = leads.map(\.createdAt)
        }
        if let splitBy, options.string("data") == nil, splitBy != "created_at" {
            throw UsageError(message: "--split-by for leads takes created_at (the lead's creation time), not '\(splitBy)'")
        }
        Console.error("train-all: loaded \(formatCount(dataset.rowCount)) rows × \(dataset.columns.count) features from \(source) in \(formatDuration(Date().timeIntervalSince(started)))")
        guard dataset.rowCount > 0 else { throw UsageError(message: "the data has no rows") }
        let positives = dataset.positiveCount
        guard positives > 0 && positives < dataset.rowCount else {
            throw UsageError(message: "the label has a single class (\(positives) positives in \(dataset.rowCount) rows); a classifier needs both")
        }

        let split = splitBy != nil && timeKeys != nil
            ? StratifiedSplit.timeOrdered(keys: timeKeys!, validFraction: 0.2, testFraction: 0.2)
            : StratifiedSplit.trainValidTest(labels: dataset.labels, validFraction: 0.2, testFraction: 0.2, seed: seed)
        func describe(_ name: String, _ rows: [Int]) -> String {
            let positives = rows.reduce(0) { $0 + Int(dataset.labels[$1]) }
            return "  \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(repeating: " ", count: max(0, 9 - formatCount(rows.count).count)))\(formatCount(rows.count)) rows, \(String(format: "%5.2f", 100 * Double(positives) / Double(max(1, rows.count)))) % positive"
        }
        let numeric = dataset.columns.filter { !$0.isCategorical }.count
        Console.out("""
            data: \(source)
              \(formatCount(dataset.rowCount)) rows, \(numeric) numeric + \(dataset.columns.count - numeric) categorical features, \
            \(String(format: "%.2f", 100 * Double(positives) / Double(dataset.rowCount))) % positive
            \(splitBy.map { "time-ordered split by \($0) (earliest rows train, latest test)" } ?? "stratified split (seed \(seed))"):
            \(describe("train", split.train))
            \(describe("valid", split.valid))
            \(describe("test", split.test))
            """)

        let train = dataset.rows(split.train), valid = dataset.rows(split.valid), test = dataset.rows(split.test)
        let trials = try options.int("trials", default: 12, in: 1...10_000)!
        let folds = try options.int("cv", default: 3, in: 2...20)!
        let resamples = try options.int("resamples", default: 200, in: 1...100_000)!
        let timeout = try options.string("timeout").map(TuneCommand.parseDuration)
        let registry = ModelRegistry(root: URL(fileURLWithPath: options.string("out") ?? "models"))
        let studies = registry.root.appendingPathComponent(".studies")
        try FileManager.default.createDirectory(at: studies, withIntermediateDirectories: true)

        var stageTimes: [(String, Double)] = [("load and split", Date().timeIntervalSince(started))]
        var candidates: [CandidateModel] = []
        let baselineStarted = Date()
        candidates.append(try inStage("baseline") { try TrainAllStages.baseline(train: train, valid: valid, test: test, target: target, seed: seed, threads: threads) })
        Console.error("train-all: baseline: \(candidates[0].detail) in \(formatDuration(Date().timeIntervalSince(baselineStarted)))")
        stageTimes.append(("baseline", candidates[0].seconds))
        let tuningStarted = Date()
        for (index, growth) in GrowthPolicy.allCases.enumerated() {
            let remaining = timeout.map { max(1, ($0 - Date().timeIntervalSince(tuningStarted)) / Double(GrowthPolicy.allCases.count - index)) }
            let studyFile = studies.appendingPathComponent("\(growth.rawValue)-seed\(seed).json")
            let candidate = try inStage("tune + fit \(growth.rawValue)") {
                try TrainAllStages.tunedTrees(growth: growth, train: train, valid: valid, test: test, target: target, trials: trials,
                                              folds: folds, timeout: remaining, studyFile: studyFile,
                                              seed: SeededGenerator(seed: seed).derived(UInt64(index + 1)).seed, threads: threads)
            }
            candidates.append(candidate)
            stageTimes.append(("tune + fit \(growth.rawValue)", candidate.seconds))
        }

        // The global model: the ensemble of every model, weighted on validation.
        let ensembleStarted = Date()
        let members = candidates
        candidates.append(try inStage("ensemble") { try TrainAllStages.ensemble(of: members, valid: valid, test: test, target: target, seed: seed, threads: threads) })
        Console.error("train-all: ensemble: \(candidates.last!.detail)")
        stageTimes.append(("ensemble", Date().timeIntervalSince(ensembleStarted)))
        let evaluationStarted = Date()
        let validAUC = candidates.map { RankingMetrics.rocAUC(scores: $0.validProbabilities, labels: valid.labels) }
        let globalIndex = candidates.count - 1
        var reports: [EvaluationReport] = []
        for (index, candidate) in candidates.enumerated() {
            var random = SeededGenerator(seed: seed).derived(0xE7A1 + UInt64(index))
            let bootstrapSeed = random.next()
            reports.append(try inStage("evaluation") {
                try EvaluationReport(model: candidate.name, probabilities: candidate.testProbabilities, labels: test.labels,
                                     resamples: resamples, seed: bootstrapSeed, threads: threads)
            })
        }
        let comparisons = candidates.indices.dropFirst().map { index -> (index: Int, test: DeLongTest?) in
            (index, DeLongTest.compare(candidates[index].testProbabilities, candidates[0].testProbabilities, labels: test.labels))
        }
        stageTimes.append(("evaluation", Date().timeIntervalSince(evaluationStarted)))

        // Calibration (Platt scaling, so explanations stay exact) and quality levels for the
        // global model, both from its validation scores.
        let globalValidRaw = candidates[globalIndex].validRaw
        let calibration = PlattScaling.fit(scores: globalValidRaw, labels: valid.labels, weights: valid.weights?.map(Double.init))
        let calibratedValid = globalValidRaw.map { calibration.probability($0) }
        let qualityLevels = QualityLevels.fit(try ScoredRows(scores: calibratedValid, labels: valid.labels))
        let calibratedTest = candidates[globalIndex].testRaw.map { calibration.probability($0) }
        let eceBefore = ClassificationMetrics.expectedCalibrationError(try ScoredRows(scores: candidates[globalIndex].testProbabilities, labels: test.labels))
        let eceAfter = ClassificationMetrics.expectedCalibrationError(try ScoredRows(scores: calibratedTest, labels: test.labels))

        // Per-vertical models, compared with the global model on each vertical's rows.
        let verticalStarted = Date()
        let bestTrees = (1..<(candidates.count - 1)).max { validAUC[$0] < validAUC[$1] }!
        let finalCandidates = candidates
        let verticals = try inStage("per-vertical models") {
            try TrainAllStages.perVertical(dataset: dataset, split: split, global: finalCandidates[globalIndex], globalValid: calibratedValid,
                                           globalTest: calibratedTest, best: finalCandidates[bestTrees], target: target, seed: seed, threads: threads)
        }
        for outcome in verticals { Console.error("train-all: vertical \(outcome.vertical): \(outcome.decision)") }
        stageTimes.append(("per-vertical models", Date().timeIntervalSince(verticalStarted)))

        // The registry version: every bundle, the summary and the report, renamed into place at once.
        let writeStarted = Date()
        var summary = summaryObject(candidates: candidates, reports: reports, validAUC: validAUC, globalIndex: globalIndex, comparisons: comparisons,
                                    stageTimes: stageTimes, source: source, seed: seed, split: split)
        summary["calibration"] = ["method": "platt", "a": calibration.a, "b": calibration.b, "fitted_on": "validation",
                                  "test_ece_before": eceBefore, "test_ece_after": eceAfter]
        summary["quality_levels"] = ["names": QualityLevels.names, "cutoffs": qualityLevels.cutoffs, "fitted_on": "validation"]
        summary["verticals"] = verticals.map { outcome -> [String: Any] in
            var entry: [String: Any] = ["vertical": outcome.vertical, "train_rows": outcome.trainRows, "train_positives": outcome.trainPositives,
                                        "model": outcome.candidate == nil ? "global" : outcome.vertical, "decision": outcome.decision]
            if let auc = outcome.validAUC { entry["valid_roc_auc"] = ["own": auc.own, "global": auc.global] }
            if let auc = outcome.testAUC { entry["test_roc_auc"] = ["own": auc.own, "global": auc.global] }
            return entry
        }
        let version = try inStage("write registry") { try registry.addVersion { directory in
            for (index, candidate) in candidates.enumerated() {
                var manifest = candidate.manifest
                manifest.metrics["valid_roc_auc"] = validAUC[index]
                manifest.metrics["test_roc_auc"] = reports[index].metrics["roc_auc"]
                // Tuning histories hold wall-clock durations, so they live beside the bundles
                // (tuning/NAME.json), keeping the bundles themselves reproducible bit for bit.
                if let study = candidate.study {
                    let tuning = directory.appendingPathComponent("tuning")
                    try FileManager.default.createDirectory(at: tuning, withIntermediateDirectories: true)
                    try study.write(to: tuning.appendingPathComponent("\(candidate.name).json"))
                }
                try ModelBundle.write(candidate.model, manifest: manifest, to: directory.appendingPathComponent(candidate.name))
                if index == globalIndex {
                    // The deployed model: Platt scaling and quality levels fitted on the validation rows.
                    manifest.calibration = .platt(calibration)
                    manifest.qualityLevels = qualityLevels
                    try ModelBundle.write(candidate.model, manifest: manifest, to: directory.appendingPathComponent("global"))
                }
            }
            for outcome in verticals {
                guard let candidate = outcome.candidate else { continue }
                try ModelBundle.write(candidate.model, manifest: candidate.manifest, to: directory.appendingPathComponent(candidate.name))
            }
            let json = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try json.write(to: directory.appendingPathComponent(ModelRegistry.summaryFile))
            let entries = try zip(reports, candidates).map { report, candidate in
                HTMLReport.Entry(report: report, rows: try ScoredRows(scores: candidate.testProbabilities, labels: test.labels))
            }
            let rows = comparisons.compactMap { c in c.test.map { (model: candidates[c.index].name, difference: $0.aucA - $0.aucB, z: $0.z, pValue: $0.pValue) } }
            let global = candidates[globalIndex]
            let summaryPlot = try ContributionSummary.make(model: global.model, data: test, sampleRows: 500, threads: threads)
            let html = HTMLReport.render(title: "train-all \(source)", generator: "mlctl \(MLCTLVersion.current)", entries: entries,
                                         importance: Array(zip(global.model.features.map(\.name), global.model.featureImportance)),
                                         importanceMeasure: "weighted share of each member's importance",
                                         contributions: EvaluateCommand.plotData(summaryPlot), comparisons: rows,
                                         tables: reportTables(calibration: calibration, eceBefore: eceBefore, eceAfter: eceAfter,
                                                              qualityLevels: qualityLevels, verticals: verticals))
            try Data(html.utf8).write(to: directory.appendingPathComponent("report.html"))
        } }
        if !options.flag("no-promote") { try inStage("promote") { try registry.promote(version) } }
        stageTimes.append(("write registry", Date().timeIntervalSince(writeStarted)))

        var lines = ["", "test rows (\(formatCount(test.rowCount))), AUC with 95 % bootstrap interval (\(resamples) resamples); DeLong against the baseline:",
                     "  model                 valid AUC   test AUC (95 % CI)          log loss   Δ AUC vs baseline   p-value    time"]
        for (index, candidate) in candidates.enumerated() {
            let report = reports[index]
            let interval = report.intervals["roc_auc"]
            let ci = interval.map { String(format: "%.4f (%.4f–%.4f)", $0.estimate, $0.lower, $0.upper) } ?? "-"
            var comparison = "                   -          -"
            if index > 0, let delong = comparisons[index - 1].test {
                comparison = String(format: "%+17.4f   %9.2g", delong.aucA - delong.aucB, delong.pValue)
            }
            let marker = index == globalIndex ? " *" : "  "
            lines.append(String(format: "  %@%@ %9.4f   %@   %8.4f   %@   %@", candidate.name.padding(toLength: 18, withPad: " ", startingAt: 0), marker,
                                validAUC[index], ci.padding(toLength: 26, withPad: " ", startingAt: 0), report.metrics["log_loss"] ?? .nan,
                                comparison, formatDuration(candidate.seconds)))
        }
        lines.append("  * global model: the ensemble (its weights were fitted on the validation rows, so its validation AUC is optimistic)")
        lines.append("")
        lines.append("stages: " + stageTimes.map { "\($0.0) \(formatDuration($0.1))" }.joined(separator: ", ") + "; total \(formatDuration(Date().timeIntervalSince(started)))")
        let promoted = options.flag("no-promote") ? "(not promoted)" : "(now current)"
        let verticalBundles = verticals.compactMap { $0.candidate?.name }
        lines.append("wrote \(registry.directory(of: version).path) \(promoted): \((candidates.map(\.name) + ["global"] + verticalBundles).joined(separator: ", ")), summary.json, report.html")
        lines.append(String(format: "global model calibrated (Platt scaling on validation): test ECE %.4f → %.4f; quality cut-offs High ≥ %.4f, Medium ≥ %.4f, Low ≥ %.4f",
                            eceBefore, eceAfter, qualityLevels.cutoffs[0], qualityLevels.cutoffs[1], qualityLevels.cutoffs[2]))
        for outcome in verticals {
            let test = outcome.testAUC.map { String(format: " (test AUC own %.4f, global %.4f)", $0.own, $0.global) } ?? ""
            lines.append("vertical \(outcome.vertical): \(outcome.decision)\(test)")
        }
        if verticals.isEmpty { lines.append("no per-vertical models: the data has no categorical 'vertical' column") }
        Console.out(lines.joined(separator: "\n"))
        return 0
    }

    /// The ordering keys of a time split from column `name` of a table (numbers as they are,
    /// text — e.g. ISO 8601 timestamps — by its sort order), and the table without that column.
    private static func orderingColumn(_ name: String, of dataset: Dataset, file: String) throws -> (Dataset, [Double]) {
        guard let index = dataset.columnIndex(named: name) else {
            throw UsageError(message: "--split-by: \(file) has no column '\(name)'")
        }
        let keys: [Double]
        switch dataset.columns[index] {
        case .numeric(let c):
            if let row = c.values.firstIndex(where: { $0.isNaN }) { throw UsageError(message: "--split-by: column '\(name)' is empty in data row \(row + 1)") }
            keys = c.values.map(Double.init)
        case .categorical(let c):
            if let row = c.codes.firstIndex(where: { $0 < 0 }) { throw UsageError(message: "--split-by: column '\(name)' is empty in data row \(row + 1)") }
            let rank = Dictionary(uniqueKeysWithValues: c.categories.enumerated().sorted { $0.element < $1.element }.enumerated().map { ($0.element.offset, Double($0.offset)) })
            keys = c.codes.map { rank[Int($0)]! }
        }
        var columns = dataset.columns
        columns.remove(at: index)
        return (Dataset(columns: columns, labels: dataset.labels, weights: dataset.weights, rowCount: dataset.rowCount), keys)
    }

    /// A stage that failed, with its own reason: "stage 'ensemble' failed: …".
    struct StageFailure: Error, CustomStringConvertible {
        var stage: String
        var reason: Error
        var description: String { "train-all stage '\(stage)' failed: \(reason)" }
    }

    /// Runs one stage, naming it in any error it throws. Nothing reaches the registry before
    /// the 'write registry' stage, which itself writes a hidden staging directory and renames
    /// it, so a failure leaves the registry as it was.
    private static func inStage<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as UsageError {
            throw error
        } catch {
            throw StageFailure(stage: name, reason: error)
        }
    }

    /// The report's sections on the deployed model's calibration and on the per-vertical models.
    private static func reportTables(calibration: PlattScaling, eceBefore: Double, eceAfter: Double, qualityLevels: QualityLevels,
                                     verticals: [TrainAllStages.VerticalOutcome]) -> [HTMLReport.Table] {
        let number = { (x: Double) in String(format: "%.4f", x) }
        let calibrationTable = HTMLReport.Table(
            title: "Calibration and quality levels of the global model",
            note: "Platt scaling p = σ(a·raw + b), fitted on the validation rows; expected calibration error on the test rows. Quality levels are cut-offs on the calibrated probability, chosen on the validation rows (top 10 %, next 20 %, next 30 %, the rest).",
            header: ["a", "b", "test ECE before", "test ECE after"] + QualityLevels.names.prefix(3).map { "\($0) ≥" },
            rows: [[number(calibration.a), number(calibration.b), number(eceBefore), number(eceAfter)] + qualityLevels.cutoffs.map(number)])
        let verticalTable = HTMLReport.Table(
            title: "Per-vertical models",
            note: "A vertical keeps a model of its own only when it beats the global model on that vertical's validation rows; otherwise the global model serves it.",
            header: ["vertical", "train rows", "positives", "served by", "valid AUC own", "valid AUC global", "test AUC own", "test AUC global", "decision"],
            rows: verticals.map { v in
                [v.vertical, String(v.trainRows), String(v.trainPositives), v.candidate == nil ? "global" : v.vertical,
                 v.validAUC.map { number($0.own) } ?? "-", v.validAUC.map { number($0.global) } ?? "-",
                 v.testAUC.map { number($0.own) } ?? "-", v.testAUC.map { number($0.global) } ?? "-", v.decision]
            })
        return [calibrationTable, verticalTable]
    }

    /// summary.json: what was trained, how it scored, how long each stage took.
    private static func summaryObject(candidates: [CandidateModel], reports: [EvaluationReport], validAUC: [Double], globalIndex: Int,
                                      comparisons: [(index: Int, test: DeLongTest?)], stageTimes: [(String, Double)], source: String,
                                      seed: UInt64, split: TrainValidTestSplit) -> [String: Any] {
        var models: [[String: Any]] = []
        for (index, candidate) in candidates.enumerated() {
            var entry: [String: Any] = ["name": candidate.name, "kind": candidate.model.kind, "detail": candidate.detail,
                                        "valid_roc_auc": validAUC[index], "test": reports[index].jsonObject, "seconds": candidate.seconds]
            if index > 0, let delong = comparisons[index - 1].test {
                entry["delong_vs_baseline"] = ["auc_difference": delong.aucA - delong.aucB, "z": jsonNumber(delong.z), "p_value": jsonNumber(delong.pValue)]
            }
            models.append(entry)
        }
        return ["format": "mlctl-train-all-summary", "formatVersion": 1, "mlctlVersion": MLCTLVersion.current, "createdAt": BundleManifest.now(),
                "source": source, "seed": seed, "rows": ["train": split.train.count, "valid": split.valid.count, "test": split.test.count],
                "global": candidates[globalIndex].name, "models": models,
                "stages": stageTimes.map { ["stage": $0.0, "seconds": $0.1] }]
    }
}
