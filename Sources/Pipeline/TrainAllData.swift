import Core
import Database
import Foundation
import Leads
import Training

/// train-all's rows, loaded and split: the first half of a run, before any training.
public struct TrainAllData: Sendable {
    /// All rows (a time-split column removed).
    public var dataset: Dataset
    /// Where they came from, for people: a path, "bundled leads (seed …)", "PostgreSQL (n leads)".
    public var source: String
    public var split: TrainValidTestSplit
    /// Whether the split is time-ordered (by ``TrainAllConfiguration/splitBy``).
    public var splitBy: String?
    public var seed: UInt64
    /// Seconds spent loading and splitting.
    public var seconds: Double

    public var train: Dataset { dataset.rows(split.train) }
    public var valid: Dataset { dataset.rows(split.valid) }
    public var test: Dataset { dataset.rows(split.test) }

    /// Loads the rows `configuration` names and splits them (stratified by the label under its
    /// seed, or by time). Throws ``TrainAllInputError`` for data a classifier cannot learn
    /// from (no rows, one class) or a bad time-split column.
    public static func load(_ configuration: TrainAllConfiguration) throws -> TrainAllData {
        let started = Date()
        let threads = configuration.threads
        let splitBy = configuration.splitBy
        var dataset: Dataset
        let source: String
        var timeKeys: [Double]?
        switch configuration.source {
        case .csv(let path, let target):
            dataset = try CSVReader.read(contentsOf: URL(fileURLWithPath: path),
                                         options: CSVReadOptions(target: target, ignoredColumns: configuration.ignoredColumns, threads: threads))
            source = path
            if let splitBy {
                (dataset, timeKeys) = try orderingColumn(splitBy, of: dataset, file: path)
            }
        case .database(let url, let vertical, let days):
            let db = try PostgresConnection(url: url)
            let (leads, agents) = try LeadStore.loadLeads(from: db, filter: LeadFilter(vertical: vertical, days: days))
            dataset = LeadDataset.make(leads: leads, agents: agents, threads: threads)
            source = "PostgreSQL (\(formatCount(leads.count)) leads)"
            timeKeys = leads.map(\.createdAt)
        case .bundledLeads:
            let (leads, agents) = BundledLeads.load(threads: threads)
            dataset = LeadDataset.make(leads: leads, agents: agents, threads: threads)
            source = "bundled leads (seed \(BundledLeads.seed))"
            timeKeys = leads.map(\.createdAt)
        }
        if let splitBy, splitBy != "created_at", configuration.source.isLeads {
            throw TrainAllInputError("--split-by for leads takes created_at (the lead's creation time), not '\(splitBy)'")
        }
        Console.error("train-all: loaded \(formatCount(dataset.rowCount)) rows × \(dataset.columns.count) features from \(source) in \(formatDuration(Date().timeIntervalSince(started)))")
        guard dataset.rowCount > 0 else { throw TrainAllInputError("the data has no rows") }
        let positives = dataset.positiveCount
        guard positives > 0 && positives < dataset.rowCount else {
            throw TrainAllInputError("the label has a single class (\(positives) positives in \(dataset.rowCount) rows); a classifier needs both")
        }
        let split = splitBy != nil && timeKeys != nil
            ? StratifiedSplit.timeOrdered(keys: timeKeys!, validFraction: 0.2, testFraction: 0.2)
            : StratifiedSplit.trainValidTest(labels: dataset.labels, validFraction: 0.2, testFraction: 0.2, seed: configuration.seed)
        return TrainAllData(dataset: dataset, source: source, split: split, splitBy: splitBy, seed: configuration.seed,
                            seconds: Date().timeIntervalSince(started))
    }

    /// What was loaded and how it was split, for people (the first lines `train-all` prints).
    public var description: String {
        func describe(_ name: String, _ rows: [Int]) -> String {
            let positives = rows.reduce(0) { $0 + Int(dataset.labels[$1]) }
            return "  \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(repeating: " ", count: max(0, 9 - formatCount(rows.count).count)))\(formatCount(rows.count)) rows, \(String(format: "%5.2f", 100 * Double(positives) / Double(max(1, rows.count)))) % positive"
        }
        let numeric = dataset.columns.filter { !$0.isCategorical }.count
        return """
            data: \(source)
              \(formatCount(dataset.rowCount)) rows, \(numeric) numeric + \(dataset.columns.count - numeric) categorical features, \
            \(String(format: "%.2f", 100 * Double(dataset.positiveCount) / Double(dataset.rowCount))) % positive
            \(splitBy.map { "time-ordered split by \($0) (earliest rows train, latest test)" } ?? "stratified split (seed \(seed))"):
            \(describe("train", split.train))
            \(describe("valid", split.valid))
            \(describe("test", split.test))
            """
    }

    /// The ordering keys of a time split from column `name` of a table (numbers as they are,
    /// text — e.g. ISO 8601 timestamps — by its sort order), and the table without that column.
    static func orderingColumn(_ name: String, of dataset: Dataset, file: String) throws -> (Dataset, [Double]) {
        guard let index = dataset.columnIndex(named: name) else {
            throw TrainAllInputError("--split-by: \(file) has no column '\(name)'")
        }
        let keys: [Double]
        switch dataset.columns[index] {
        case .numeric(let c):
            if let row = c.values.firstIndex(where: { $0.isNaN }) { throw TrainAllInputError("--split-by: column '\(name)' is empty in data row \(row + 1)") }
            keys = c.values.map(Double.init)
        case .categorical(let c):
            if let row = c.codes.firstIndex(where: { $0 < 0 }) { throw TrainAllInputError("--split-by: column '\(name)' is empty in data row \(row + 1)") }
            let rank = Dictionary(uniqueKeysWithValues: c.categories.enumerated().sorted { $0.element < $1.element }.enumerated().map { ($0.element.offset, Double($0.offset)) })
            keys = c.codes.map { rank[Int($0)]! }
        }
        var columns = dataset.columns
        columns.remove(at: index)
        return (Dataset(columns: columns, labels: dataset.labels, weights: dataset.weights, rowCount: dataset.rowCount), keys)
    }
}
