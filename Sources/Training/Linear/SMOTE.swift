import Core
import Evaluation
import Tuning

/// How many synthetic minority rows SMOTE makes.
public enum SamplingStrategy: Sendable, Equatable, Codable {
    /// As many as it takes to match the majority class (imbalanced-learn's `"auto"`).
    case auto
    /// Until minority / majority = the ratio (imbalanced-learn's float `sampling_strategy`).
    case ratio(Double)
}

/// Why SMOTE cannot run; the message says what to change.
public struct SMOTEError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }
}

/// What SMOTE made: the synthetic minority rows, and where each came from.
public struct SMOTESamples: Sendable {
    /// The synthetic rows' continuous values.
    public var continuous: DenseMatrix
    /// Per categorical input, the synthetic rows' levels (SMOTE-NC; empty without categoricals).
    public var levels: [[Int32]]
    /// The label of every synthetic row (the minority class).
    public var label: UInt8
    /// For each synthetic row: the minority row it starts from, the neighbour it moves towards
    /// (row indices of the input) and the step in [0, 1).
    public var origins: [Int32]
    public var neighbours: [Int32]
    public var steps: [Double]
}

/// SMOTE (Chawla et al., 2002) and SMOTE-NC for binary labels, as imbalanced-learn 0.14
/// implements them.
///
/// Each synthetic row picks a minority row *i* uniformly, one of its `k` nearest minority
/// neighbours *j* uniformly, and a step *u* uniform in [0, 1): continuous values are
/// `xᵢ + u (xⱼ − xᵢ)`, so every synthetic row lies on the segment between two same-class
/// neighbours.
///
/// SMOTE-NC (data with categorical inputs): distances add, for each categorical input whose
/// level differs, the square of the median of the minority class's continuous standard
/// deviations (imbalanced-learn one-hot encodes with entries `median / √2`, which is the same
/// distance); a synthetic row takes, for each categorical input, the level most frequent among
/// the `k` neighbours of *i*, ties broken at random.
///
/// Random draws come from the caller's seeded generator, in synthetic-row order, so the same seed gives
/// the same rows whatever the thread count (the neighbour search is exact and thread-independent).
public enum SMOTE {
    /// Oversamples the minority class of `labels` (0/1).
    /// - Parameters:
    ///   - continuous: the rows' continuous values (standardised: SMOTE's distances assume
    ///     comparable scales).
    ///   - levels: per categorical input, each row's level (≥ 0; −1 counts as its own level).
    ///   - levelCounts: per categorical input, the number of levels.
    /// - Throws: ``SMOTEError`` for one class only, a ratio below the current one, or fewer
    ///   than `k + 1` minority rows.
    public static func samples(continuous: DenseMatrix, levels: [[Int32]], levelCounts: [Int], labels: [UInt8],
                               k: Int = 5, strategy: SamplingStrategy = .auto, random: SeededGenerator, threads: Int = defaultThreadCount) throws(SMOTEError) -> SMOTESamples {
        precondition(labels.count == continuous.rowCount && levels.allSatisfy { $0.count == labels.count })
        guard k >= 1 else { throw SMOTEError(message: "SMOTE: k_neighbors must be at least 1, not \(k)") }
        let positives = labels.reduce(0) { $0 + Int($1) }, negatives = labels.count - positives
        guard positives > 0 && negatives > 0 else {
            throw SMOTEError(message: "SMOTE: the training labels hold one class only (\(positives) positive, \(negatives) negative rows); there is nothing to balance")
        }
        let minorityLabel: UInt8 = positives <= negatives ? 1 : 0
        let minorityCount = min(positives, negatives), majorityCount = max(positives, negatives)
        let wanted: Int
        switch strategy {
        case .auto: wanted = majorityCount - minorityCount
        case .ratio(let ratio):
            guard ratio > 0 && ratio <= 1 else { throw SMOTEError(message: "SMOTE: the ratio must be in (0, 1], not \(ratio)") }
            let target = Int(Double(majorityCount) * ratio)
            guard target >= minorityCount else {
                throw SMOTEError(message: "SMOTE: ratio \(ratio) asks for \(target) minority rows, fewer than the \(minorityCount) there are already (current ratio \(Double(minorityCount) / Double(majorityCount)))")
            }
            wanted = target - minorityCount
        }
        guard minorityCount > k else {
            throw SMOTEError(message: "SMOTE: the minority class has \(minorityCount) rows; k_neighbors = \(k) needs at least \(k + 1)")
        }
        let minority = labels.indices.filter { labels[$0] == minorityLabel }
        let width = continuous.columnCount
        let minorityContinuous = continuous.rows(minority)
        let minorityLevels = levels.map { column in minority.map { column[$0] } }

        // Points for the neighbour search: continuous values, then for SMOTE-NC one-hot levels
        // scaled so that a mismatch adds median² to the squared distance.
        var pointWidth = width
        var penalty = 0.0
        if !levels.isEmpty {
            penalty = medianStandardDeviation(minorityContinuous)
            pointWidth += levelCounts.reduce(0) { $0 + $1 + 1 }
        }
        var points = [Double](repeating: 0, count: minority.count * pointWidth)
        for r in 0..<minority.count {
            for j in 0..<width { points[r * pointWidth + j] = minorityContinuous[r, j] }
            var offset = width
            for (c, column) in minorityLevels.enumerated() {
                let level = Int(column[r])
                points[r * pointWidth + offset + (level >= 0 ? level : levelCounts[c])] = penalty / 2.0.squareRoot()
                offset += levelCounts[c] + 1
            }
        }
        let neighbourTable = NearestNeighbors.kNearest(points: points, count: minority.count, dimension: pointWidth, k: k, threads: threads)

        // Draws in synthetic-row order (the sequence a seed fixes), then interpolation in
        // parallel blocks.
        var random = random
        var origins = [Int32](repeating: 0, count: wanted), neighbours = [Int32](repeating: 0, count: wanted)
        var pairs = [(Int32, Int32)](repeating: (0, 0), count: wanted)
        var steps = [Double](repeating: 0, count: wanted)
        var syntheticLevels = levels.map { _ in [Int32](repeating: 0, count: wanted) }
        for s in 0..<wanted {
            let pick = random.nextInt(below: minority.count * k)
            let i = pick / k, j = Int(neighbourTable[pick])
            steps[s] = random.nextDouble()
            pairs[s] = (Int32(i), Int32(j))
            origins[s] = Int32(minority[i]); neighbours[s] = Int32(minority[j])
            for (c, column) in minorityLevels.enumerated() {
                syntheticLevels[c][s] = mostFrequentLevel(among: neighbourTable[(i * k)..<((i + 1) * k)].map { column[Int($0)] },
                                                          levelCount: levelCounts[c], random: &random)
            }
        }
        var synthetic = DenseMatrix(rowCount: wanted, columnCount: width)
        synthetic.values.withUnsafeMutableBufferPointer { out in
            let output = UncheckedSendable(out)
            minorityContinuous.values.withUnsafeBufferPointer { source in
                let blockRows = 1024
                parallelFor((wanted + blockRows - 1) / blockRows, threads: threads) { block in
                    for s in (block * blockRows)..<min(wanted, (block + 1) * blockRows) {
                        interpolate(from: source.baseAddress! + Int(pairs[s].0) * width, towards: source.baseAddress! + Int(pairs[s].1) * width,
                                    step: steps[s], count: width, into: output.value.baseAddress! + s * width)
                    }
                }
            }
        }
        return SMOTESamples(continuous: synthetic, levels: syntheticLevels, label: minorityLabel,
                            origins: origins, neighbours: neighbours, steps: steps)
    }

    /// `a + step (b − a)`, element by element.
    @inline(__always)
    static func interpolate(from a: UnsafePointer<Double>, towards b: UnsafePointer<Double>, step: Double, count: Int,
                            into out: UnsafeMutablePointer<Double>) {
        for c in 0..<count { out[c] = a[c] + step * (b[c] - a[c]) }
    }

    /// The median over columns of each column's population standard deviation (SMOTE-NC's
    /// mismatch penalty); 0 without columns.
    static func medianStandardDeviation(_ matrix: DenseMatrix) -> Double {
        guard matrix.columnCount > 0, matrix.rowCount > 0 else { return 0 }
        let n = Double(matrix.rowCount)
        var deviations: [Double] = []
        for c in 0..<matrix.columnCount {
            var mean = 0.0
            for r in 0..<matrix.rowCount { mean += matrix[r, c] }
            mean /= n
            var variance = 0.0
            for r in 0..<matrix.rowCount { let d = matrix[r, c] - mean; variance += d * d }
            deviations.append((variance / n).squareRoot())
        }
        return median(deviations)
    }

    /// The level that occurs most often in `levels`; ties broken uniformly at random.
    static func mostFrequentLevel(among levels: [Int32], levelCount: Int, random: inout SeededGenerator) -> Int32 {
        var counts: [Int32: Int] = [:]
        for level in levels { counts[level, default: 0] += 1 }
        let top = counts.values.max()!
        let tied = counts.filter { $0.value == top }.map(\.key).sorted()
        return tied.count == 1 ? tied[0] : tied[random.nextInt(below: tied.count)]
    }
}
