import Evaluation
import Foundation
import Training

/// `mlctl-bench gbdt TRAIN.csv TEST.csv TARGET TREES LEARNING_RATE NUM_LEAVES MAX_BIN THREADS [GROWTH]`:
/// read, train, AUC on test, batch and single-row prediction.
func benchmarkGBDT(_ arguments: [String]) throws -> [String: Any] {
    let threads = Int(arguments[9])!
    var train: Dataset!, test: Dataset!
    let readSeconds = try seconds {
        train = try CSVReader.read(contentsOf: URL(fileURLWithPath: arguments[2]), options: CSVReadOptions(target: arguments[4], threads: threads))
        test = try CSVReader.read(contentsOf: URL(fileURLWithPath: arguments[3]), options: CSVReadOptions(target: arguments[4], threads: threads))
    }
    var parameters = GBDTParameters()
    parameters.trees = Int(arguments[5])!
    parameters.learningRate = Double(arguments[6])!
    parameters.numLeaves = Int(arguments[7])!
    parameters.maxBin = Int(arguments[8])!
    parameters.threads = threads
    if arguments.count > 10 { parameters.growth = GrowthPolicy(rawValue: arguments[10])! }
    var model: GBDTModel!
    let trainSeconds = try seconds { model = try GBDTTrainer.train(train, parameters: parameters) }
    var testScores: [Double] = []
    _ = try seconds { testScores = try model.rawScores(test, threads: threads) }
    let auc = RankingMetrics.rocAUC(scores: testScores, labels: test.labels)

    // Batch prediction over every row (train + test).
    let all = Dataset(columns: zip(train.columns, test.columns).map { a, b in
        guard case .numeric(let x) = a, case .numeric(let y) = b else { fatalError("numeric tables only") }
        return .numeric(NumericColumn(name: x.name, values: x.values + y.values))
    }, labels: train.labels + test.labels, rowCount: train.rowCount + test.rowCount)
    var batchSeconds = Double.infinity
    for _ in 0..<3 { batchSeconds = min(batchSeconds, try seconds { _ = try model.rawScores(all, threads: threads) }) }

    // Single rows, one at a time, from a row-major copy of the test rows.
    let featureCount = test.columns.count
    var matrix = [Float](repeating: 0, count: test.rowCount * featureCount)
    for (f, column) in test.columns.enumerated() {
        guard case .numeric(let c) = column else { continue }
        for row in 0..<test.rowCount { matrix[row * featureCount + f] = c.values[row] }
    }
    let predictor = TreeEnsemblePredictor(trees: model.trees, initialScore: model.initialScore)
    var latencies: [Double] = []
    var sink = 0.0
    matrix.withUnsafeBufferPointer { m in
        for row in 0..<min(20_000, test.rowCount) {
            let start = DispatchTime.now().uptimeNanoseconds
            sink += predictor.rawScore(row: m.baseAddress! + row * featureCount)
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
    }
    latencies.sort()
    let result: [String: Any] = [
        "read_s": readSeconds, "train_s": trainSeconds, "test_auc": auc, "trees": model.trees.count,
        "batch_rows": all.rowCount, "batch_predict_s": batchSeconds, "batch_rows_per_s": Double(all.rowCount) / batchSeconds,
        "single_row_p50_us": latencies[latencies.count / 2], "single_row_p99_us": latencies[latencies.count * 99 / 100],
        "checksum": sink,
    ]
    return result
}
