import Core
import Evaluation
import Tuning

/// The metric early stopping watches on the validation data.
public enum EarlyStoppingMetric: String, Codable, Sendable {
    /// Binary log loss (LightGBM's default metric for the binary objective); lower is better.
    case logLoss = "log_loss"
    /// ROC-AUC; higher is better.
    case auc = "roc_auc"
}

/// Progress of training, reported after each round.
public struct BoostingProgress: Sendable {
    public var round: Int
    public var totalRounds: Int
    public var validationMetric: Double?
    public var bestRound: Int?
}

/// Trains gradient-boosted trees for binary classification (see ``GBDTParameters``).
///
/// Each round computes gradients and hessians of the log loss, draws the round's features
/// (`feature_fraction`) and rows (bagging or GOSS) from streams derived from
/// `(seed, round)`, grows a tree on the histograms and adds its shrunk outputs to the scores.
/// With validation data, the watched metric is computed after every round; training stops
/// after `earlyStoppingRounds` rounds without improvement and the model keeps the best round.
/// The model depends on the seed only, not on the thread count.
public enum GBDTTrainer {
    public static func train(_ train: Dataset, parameters: GBDTParameters, validation: Dataset? = nil,
                             metric: EarlyStoppingMetric = .logLoss,
                             progress: ((BoostingProgress) -> Void)? = nil) throws -> GBDTModel {
        try parameters.validate()
        try check(train)
        let threads = parameters.effectiveThreads
        let features = ModelFeature.of(train)
        let featureBins = BinnedData.findBins(train, parameters: parameters, threads: threads)
        let data = BinnedData(dataset: train, featureBins: featureBins, threads: threads, rowMajorCopy: true)
        let valid = try validation.map { v -> (BinnedData, [UInt8]) in
            guard v.rowCount > 0, v.labels.count == v.rowCount else { throw GBDTError.invalidData("the validation data needs labelled rows") }
            return (BinnedData(dataset: try v.aligned(to: features), featureBins: featureBins, threads: threads), v.labels)
        }

        let n = train.rowCount
        let weights = BinaryLogLoss.rowWeights(labels: train.labels, sampleWeights: train.weights, parameters: parameters)
        let initialScore = BinaryLogLoss.initialScore(labels: train.labels, weights: weights)
        var scores = [Double](repeating: initialScore, count: n)
        var validScores = valid.map { [Double](repeating: initialScore, count: $0.0.rowCount) } ?? []
        var gradients = [Float](repeating: 0, count: 2 * n)  // (g, h) pairs
        let grower = TreeGrower(data: data, parameters: parameters, threads: threads)
        let root = SeededGenerator(seed: parameters.seed)
        var trees: [Tree] = []
        var history: [Double] = []
        var best: (round: Int, value: Double)?
        var bag = (0..<n).map { Int32($0) }

        for round in 0..<parameters.trees {
            BinaryLogLoss.gradients(scores: scores, labels: train.labels, weights: weights, into: &gradients, threads: threads)
            var roundRandom = root.derived(UInt64(round))
            let roundFeatures = sampleFeatures(count: features.count, fraction: parameters.featureFraction, random: &roundRandom)
            var rows: [Int32]
            if parameters.goss && Double(round) >= 1 / parameters.learningRate {
                rows = gossSample(gradients: &gradients, parameters: parameters, random: &roundRandom)
            } else if parameters.baggingFrequency > 0 && parameters.baggingFraction < 1 {
                if round % parameters.baggingFrequency == 0 {
                    bag = sampleRows(count: n, fraction: parameters.baggingFraction, random: &roundRandom)
                }
                rows = bag
            } else {
                rows = bag
            }
            let inBagCount = rows.count
            let result = grower.grow(rows: &rows, gradients: gradients, features: roundFeatures)
            var tree = result.tree
            tree.scale(by: parameters.learningRate)
            // Scores: in-bag rows by their leaf; the others by walking the tree in bin space.
            addLeafValues(of: tree, leaves: result.leaves, rows: rows, to: &scores, threads: threads)
            if inBagCount < n {
                var inBag = [Bool](repeating: false, count: n)
                for row in rows { inBag[Int(row)] = true }
                addBinnedPredictions(of: tree, data: data, to: &scores, skipping: inBag, threads: threads)
            }
            trees.append(tree)

            var metricValue: Double?
            if let (validData, validLabels) = valid {
                addBinnedPredictions(of: tree, data: validData, to: &validScores, skipping: nil, threads: threads)
                let value = evaluate(metric, scores: validScores, labels: validLabels)
                history.append(value)
                metricValue = value
                if best == nil || isBetter(value, than: best!.value, metric: metric) { best = (round, value) }
            }
            progress?(BoostingProgress(round: round + 1, totalRounds: parameters.trees, validationMetric: metricValue, bestRound: best.map { $0.round + 1 }))
            if parameters.earlyStoppingRounds > 0, let best, round - best.round >= parameters.earlyStoppingRounds { break }
        }
        if parameters.earlyStoppingRounds > 0, let best { trees = Array(trees[0...best.round]) }
        return GBDTModel(features: features, initialScore: initialScore, trees: trees, parameters: parameters,
                         featureBins: featureBins, validationHistory: history)
    }

    private static func check(_ train: Dataset) throws(GBDTError) {
        guard train.rowCount > 0 else { throw .invalidData("the training data has no rows") }
        guard train.labels.count == train.rowCount else { throw .invalidData("the training data has no labels") }
        guard !train.columns.isEmpty else { throw .invalidData("the training data has no feature columns") }
        let positives = train.positiveCount
        guard positives > 0 && positives < train.rowCount else {
            throw .invalidData("the label has a single class (\(positives) positive of \(train.rowCount) rows); a classifier needs both")
        }
        if let weights = train.weights, !(weights.contains { $0 > 0 }) { throw .invalidData("every sample weight is 0") }
    }

    /// Adds each leaf's value to the scores of its rows (`rows[leaf.begin..<leaf.begin+leaf.count]`),
    /// in pieces of at most 65,536 rows on `threads` threads (every row is in one leaf, so no
    /// two pieces touch the same score).
    static func addLeafValues(of tree: Tree, leaves: [(node: Int, begin: Int, count: Int)], rows: [Int32], to scores: inout [Double], threads: Int) {
        let pieceSize = 65_536
        var pieces: [(value: Double, range: Range<Int>)] = []
        for leaf in leaves {
            var from = leaf.begin
            while from < leaf.begin + leaf.count {
                let to = min(leaf.begin + leaf.count, from + pieceSize)
                pieces.append((tree.value[leaf.node], from..<to))
                from = to
            }
        }
        scores.withUnsafeMutableBufferPointer { out in
            rows.withUnsafeBufferPointer { rows in
                let output = UncheckedSendable(out)
                parallelFor(pieces.count, threads: threads) { p in
                    let value = pieces[p].value
                    for i in pieces[p].range { output.value[Int(rows[i])] += value }
                }
            }
        }
    }

    /// Adds the tree's output to `scores[row]` for every row of `data` (but those `skipping`
    /// marks), routing rows by their bins; blocks of rows on `threads` threads.
    static func addBinnedPredictions(of tree: Tree, data: BinnedData, to scores: inout [Double], skipping: [Bool]?, threads: Int) {
        let blockSize = 8_192  // about 0.5 ms of work: small tables use every thread too
        scores.withUnsafeMutableBufferPointer { out in
            let output = UncheckedSendable(out)
            parallelFor((data.rowCount + blockSize - 1) / blockSize, threads: threads) { block in
                for row in (block * blockSize)..<min(data.rowCount, (block + 1) * blockSize) where !(skipping?[row] ?? false) {
                    output.value[row] += tree.value[binnedLeaf(tree, data: data, row: row)]
                }
            }
        }
    }

    /// The leaf of training or validation row `row`, routed by its bins (equivalent to routing
    /// its raw values: bin b lies below threshold t exactly when upperBounds[b] ≤ t).
    @inline(__always)
    static func binnedLeaf(_ tree: Tree, data: BinnedData, row: Int) -> Int {
        var node = 0
        while tree.feature[node] >= 0 {
            let feature = Int(tree.feature[node])
            let bin = data.bin(row: row, feature: feature)
            let bins = data.featureBins[feature]
            let goLeft: Bool
            if tree.categorySet[node] >= 0 {
                goLeft = bin < bins.categoryBins.count && tree.categoryGoesLeft(Int(bins.categoryBins[bin]), node: node)
            } else if bins.hasMissingBin && bin == bins.missingBin {
                goLeft = tree.defaultLeft[node]
            } else {
                goLeft = bins.upperBounds[bin] <= tree.threshold[node]
            }
            node = Int(goLeft ? tree.left[node] : tree.right[node])
        }
        return node
    }

    static func evaluate(_ metric: EarlyStoppingMetric, scores: [Double], labels: [UInt8]) -> Double {
        switch metric {
        case .auc: return RankingMetrics.rocAUC(scores: scores, labels: labels)
        case .logLoss: return ProbabilityMetrics.logLoss(probabilities: scores.map(logistic), labels: labels)
        }
    }

    static func isBetter(_ a: Double, than b: Double, metric: EarlyStoppingMetric) -> Bool {
        metric == .auc ? a > b : a < b
    }

    /// `max(1, round(count · fraction))` features, sorted, or all of them.
    static func sampleFeatures(count: Int, fraction: Double, random: inout SeededGenerator) -> [Int] {
        guard fraction < 1 else { return Array(0..<count) }
        var all = Array(0..<count)
        let keep = max(1, Int((Double(count) * fraction).rounded()))
        for i in 0..<keep { all.swapAt(i, i + random.nextInt(below: count - i)) }
        return Array(all[0..<keep]).sorted()
    }

    /// A bag of `round(count · fraction)` rows drawn without replacement, sorted.
    static func sampleRows(count: Int, fraction: Double, random: inout SeededGenerator) -> [Int32] {
        let keep = max(1, Int((Double(count) * fraction).rounded()))
        // Selection sampling (Knuth's algorithm S): one pass, rows come out sorted.
        var rows: [Int32] = []
        rows.reserveCapacity(keep)
        var needed = keep
        for row in 0..<count where needed > 0 {
            if Double(count - row) * random.nextDouble() < Double(needed) {
                rows.append(Int32(row))
                needed -= 1
            }
        }
        return rows
    }

    /// GOSS: the `topRate` share of rows with the largest |g·h| (as LightGBM ranks them),
    /// plus a random `otherRate` share of the rest whose gradients and hessians are scaled by
    /// (1 − topRate) / otherRate. Returns the chosen rows, sorted.
    static func gossSample(gradients: inout [Float], parameters: GBDTParameters, random: inout SeededGenerator) -> [Int32] {
        let n = gradients.count / 2
        let topCount = max(1, Int(Double(n) * parameters.topRate))
        let otherCount = max(1, Int(Double(n) * parameters.otherRate))
        let magnitude = (0..<n).map { abs(gradients[2 * $0] * gradients[2 * $0 + 1]) }
        let order = (0..<n).sorted { magnitude[$0] != magnitude[$1] ? magnitude[$0] > magnitude[$1] : $0 < $1 }
        var chosen = [Bool](repeating: false, count: n)
        for row in order[0..<topCount] { chosen[row] = true }
        let rest = order[topCount...].sorted()
        let factor = Float((1 - parameters.topRate) / parameters.otherRate)
        var needed = min(otherCount, rest.count)
        for (k, row) in rest.enumerated() where needed > 0 {
            if Double(rest.count - k) * random.nextDouble() < Double(needed) {
                chosen[row] = true
                gradients[2 * row] *= factor
                gradients[2 * row + 1] *= factor
                needed -= 1
            }
        }
        return (0..<n).filter { chosen[$0] }.map { Int32($0) }
    }
}
