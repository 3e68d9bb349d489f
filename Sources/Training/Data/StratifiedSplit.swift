import Core
import Tuning

/// Row indices of a train / validation / test partition.
public struct TrainValidTestSplit: Sendable, Equatable {
    public var train: [Int]
    public var valid: [Int]
    public var test: [Int]
}

/// Deterministic stratified partitions of rows by their 0/1 label.
///
/// Each class's rows are shuffled with the given seed and dealt out separately, so every part
/// keeps the class balance of the whole (to within one row per class). Index lists are
/// returned sorted, so the order of rows within a part is the file's order.
public enum StratifiedSplit {
    /// Splits rows into train / validation / test with the given fractions of each class
    /// (rounded to whole rows; the train part takes the remainder).
    /// - Precondition: fractions in [0, 1) with `validFraction + testFraction < 1`.
    public static func trainValidTest(labels: [UInt8], validFraction: Double, testFraction: Double, seed: UInt64) -> TrainValidTestSplit {
        precondition(validFraction >= 0 && testFraction >= 0 && validFraction + testFraction < 1,
                     "fractions must be non-negative and sum to less than 1")
        var split = TrainValidTestSplit(train: [], valid: [], test: [])
        var generator = SeededGenerator(seed: seed).derived(0x5_1117)
        for rows in rowsByClass(labels) {
            var shuffled = rows
            generator.shuffle(&shuffled)
            let testCount = Int((Double(rows.count) * testFraction).rounded())
            let validCount = Int((Double(rows.count) * validFraction).rounded())
            split.test += shuffled[0..<testCount]
            split.valid += shuffled[testCount..<min(rows.count, testCount + validCount)]
            split.train += shuffled[min(rows.count, testCount + validCount)...]
        }
        split.train.sort(); split.valid.sort(); split.test.sort()
        return split
    }

    /// A time-ordered split: rows ordered by `keys` (ties by row index), the earliest
    /// 1 − valid − test share for training, then validation, then the latest rows for test — so
    /// the model is judged on leads that came after the ones it learnt from, as in production.
    /// Not stratified: each part keeps whatever class balance its period had.
    public static func timeOrdered(keys: [Double], validFraction: Double, testFraction: Double) -> TrainValidTestSplit {
        precondition(validFraction >= 0 && testFraction >= 0 && validFraction + testFraction < 1,
                     "fractions must be non-negative and sum to less than 1")
        let order = keys.indices.sorted { keys[$0] < keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
        let testCount = Int((Double(keys.count) * testFraction).rounded())
        let validCount = Int((Double(keys.count) * validFraction).rounded())
        let trainCount = keys.count - testCount - validCount
        return TrainValidTestSplit(train: order[0..<trainCount].sorted(), valid: order[trainCount..<(trainCount + validCount)].sorted(),
                                   test: order[(trainCount + validCount)...].sorted())
    }

    /// Splits rows into `k` stratified folds; fold `i`'s rows are the validation rows of the
    /// i-th cross-validation round. Rows of each class are dealt round-robin after a seeded
    /// shuffle, so fold sizes differ by at most one row per class.
    /// - Precondition: `k >= 2`.
    public static func kFold(labels: [UInt8], k: Int, seed: UInt64) -> [[Int]] {
        precondition(k >= 2, "k-fold needs k ≥ 2")
        var folds: [[Int]] = Array(repeating: [], count: k)
        var generator = SeededGenerator(seed: seed).derived(0xF01D)
        var next = 0
        for rows in rowsByClass(labels) {
            var shuffled = rows
            generator.shuffle(&shuffled)
            for row in shuffled {
                folds[next].append(row)
                next = (next + 1) % k
            }
        }
        return folds.map { $0.sorted() }
    }

    /// The complement of `rows` in `0..<rowCount` (the training rows of a fold).
    public static func complement(of rows: [Int], rowCount: Int) -> [Int] {
        var member = [Bool](repeating: false, count: rowCount)
        for row in rows { member[row] = true }
        return (0..<rowCount).filter { !member[$0] }
    }

    private static func rowsByClass(_ labels: [UInt8]) -> [[Int]] {
        var negatives: [Int] = [], positives: [Int] = []
        for (row, label) in labels.enumerated() {
            if label == 0 { negatives.append(row) } else { positives.append(row) }
        }
        return [negatives, positives]
    }
}
