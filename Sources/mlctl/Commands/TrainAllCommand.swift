import Evaluation
import Foundation
import Training

/// `mlctl train-all`: the main job. Today it runs the stages that exist (loading, feature
/// extraction, the stratified split, the three gradient-boosted tree variants with early
/// stopping, evaluated on the test rows) and says plainly which stages are still to come.
enum TrainAllCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["train-all"], summary: "From leads to evaluated models (data and tree stages so far; no registry yet)",
            options: [
                .value("data", "FILE", "a CSV table instead of the bundled leads"),
                .value("target", "COL", "label column of --data", default: "converted"),
                .value("database-url", "URL", "read leads from PostgreSQL instead of the bundled data"),
                .value("vertical", "V", "with --database-url: only pc, health or commercial"),
                .value("days", "N", "with --database-url: only leads of the last N days"),
                .value("trials", "N", "tuning trials per model (issue #5)"),
                .value("timeout", "DURATION", "tuning time limit (issue #5)"),
                .value("split-by", "COL", "time-ordered split by this column (issue #7)"),
                .value("threads", "N", "worker threads (default: all cores)"),
                .value("seed", "N", "random seed of the whole run", default: "42"),
                .value("out", "DIR", "model registry directory", default: "models"),
            ]),
        run: run)

    private static func run(_ options: ParsedOptions) throws -> Int32 {
        let seed = UInt64(try options.int("seed", default: 42, in: 0...Int.max)!)
        let threads = try options.int("threads", default: defaultThreadCount, in: 1...256)!
        if options.string("data") != nil && options.string("database-url") != nil {
            throw UsageError(message: "give either --data or --database-url, not both")
        }
        let started = Date()
        let dataset: Dataset
        let source: String
        if let path = options.string("data") {
            let target = options.string("target") ?? "converted"
            dataset = try CSVReader.read(contentsOf: URL(fileURLWithPath: path), options: CSVReadOptions(target: target, threads: threads))
            source = path
        } else if let url = options.string("database-url") {
            let vertical = try options.choice("vertical", Vertical.allCases.map(\.rawValue))
            let days = try options.int("days", in: 1...36_500)
            let db = try PostgresConnection(url: url)
            let (leads, agents) = try LeadStore.loadLeads(from: db, filter: LeadFilter(vertical: vertical, days: days))
            dataset = LeadDataset.make(leads: leads, agents: agents, threads: threads)
            source = "PostgreSQL (\(formatCount(leads.count)) leads)"
        } else {
            let (leads, agents) = BundledLeads.load(threads: threads)
            dataset = LeadDataset.make(leads: leads, agents: agents, threads: threads)
            source = "bundled leads (seed \(BundledLeads.seed))"
        }
        Console.error("train-all: loaded \(formatCount(dataset.rowCount)) rows × \(dataset.columns.count) features from \(source) in \(formatDuration(Date().timeIntervalSince(started)))")
        guard dataset.rowCount > 0 else { throw UsageError(message: "the data has no rows") }
        let positives = dataset.positiveCount
        guard positives > 0 && positives < dataset.rowCount else {
            throw UsageError(message: "the label has a single class (\(positives) positives in \(dataset.rowCount) rows); a classifier needs both")
        }

        let split = StratifiedSplit.trainValidTest(labels: dataset.labels, validFraction: 0.2, testFraction: 0.2, seed: seed)
        func describe(_ name: String, _ rows: [Int]) -> String {
            let positives = rows.reduce(0) { $0 + Int(dataset.labels[$1]) }
            return "  \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(repeating: " ", count: max(0, 9 - formatCount(rows.count).count)))\(formatCount(rows.count)) rows, \(String(format: "%5.2f", 100 * Double(positives) / Double(max(1, rows.count)))) % positive"
        }
        let numeric = dataset.columns.filter { !$0.isCategorical }.count
        Console.out("""
            data: \(source)
              \(formatCount(dataset.rowCount)) rows, \(numeric) numeric + \(dataset.columns.count - numeric) categorical features, \
            \(String(format: "%.2f", 100 * Double(positives) / Double(dataset.rowCount))) % positive
            stratified split (seed \(seed)):
            \(describe("train", split.train))
            \(describe("valid", split.valid))
            \(describe("test", split.test))
            """)

        // The three tree variants with default settings and early stopping on the validation
        // rows (tuning, issue #5, will choose their parameters).
        let train = dataset.rows(split.train), valid = dataset.rows(split.valid), test = dataset.rows(split.test)
        var lines = ["", "gradient-boosted trees (learning rate 0.05, up to 1,000 rounds, early stopping after 50 on validation log loss):",
                     "  model                  rounds   valid AUC   test AUC   test log loss   time"]
        for growth in GrowthPolicy.allCases {
            var parameters = GBDTParameters()
            parameters.growth = growth
            parameters.trees = 1000
            parameters.learningRate = 0.05
            parameters.earlyStoppingRounds = 50
            parameters.seed = seed
            parameters.threads = threads
            let progress = Progress("train-all: \(growth.rawValue)", total: parameters.trees, unit: "rounds")
            let started = Date()
            let model = try GBDTTrainer.train(train, parameters: parameters, validation: valid) { progress.update($0.round) }
            let seconds = Date().timeIntervalSince(started)
            progress.finish("\(model.trees.count) rounds kept")
            let validAUC = RankingMetrics.rocAUC(scores: try model.rawScores(valid, threads: threads), labels: valid.labels)
            let testProbabilities = try model.probabilities(test, threads: threads)
            let testAUC = RankingMetrics.rocAUC(scores: testProbabilities, labels: test.labels)
            let testLogLoss = ProbabilityMetrics.logLoss(probabilities: testProbabilities, labels: test.labels)
            let name = "gbdt \(growth.rawValue)".padding(toLength: 21, withPad: " ", startingAt: 0)
            lines.append(String(format: "  %@  %6d   %9.4f   %8.4f   %13.4f   %@", name, model.trees.count, validAUC, testAUC, testLogLoss, formatDuration(seconds)))
        }
        lines += ["", """
            Not done yet: the logistic baseline with SMOTE (issue #4), tuning (#5), calibration, ensembles, confidence \
            intervals and reports (#6), per-vertical models and the model registry (#7). This run wrote no models; \
            use 'mlctl train --out DIR' for a single deployable bundle.
            """]
        Console.out(lines.joined(separator: "\n"))
        return 0
    }
}
