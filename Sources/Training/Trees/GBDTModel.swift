import Core
import Evaluation

/// A model feature: its name, kind and (categorical) the training dictionary that category
/// codes in the trees refer to.
public struct ModelFeature: Codable, Sendable, Equatable {
    public var name: String
    public var kind: ColumnKind
    public var categories: [String]?

    public init(name: String, kind: ColumnKind, categories: [String]?) {
        self.name = name
        self.kind = kind
        self.categories = categories
    }

    /// The features of `dataset`, in column order.
    public static func of(_ dataset: Dataset) -> [ModelFeature] {
        dataset.columns.map { column in
            switch column {
            case .numeric(let c): return ModelFeature(name: c.name, kind: .numeric, categories: nil)
            case .categorical(let c): return ModelFeature(name: c.name, kind: .categorical, categories: c.categories)
            }
        }
    }
}

/// A problem matching data to a model's features.
public struct FeatureMismatch: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
}

extension Dataset {
    /// This data with its columns ordered and encoded as `features` expect: columns found by
    /// name (extra columns are ignored), categories re-coded to the training dictionaries
    /// (unknown ones become ``CategoricalColumn/unseenCode``), numeric columns read as
    /// categories by their text where the model expects categories.
    public func aligned(to features: [ModelFeature]) throws(FeatureMismatch) -> Dataset {
        var byName: [String: Column] = [:]
        for column in columns { byName[column.name] = column }
        var aligned: [Column] = []
        for feature in features {
            guard let column = byName[feature.name] else {
                throw FeatureMismatch(message: "the data has no column '\(feature.name)', which the model needs")
            }
            switch (feature.kind, column) {
            case (.numeric, .numeric):
                aligned.append(column)
            case (.numeric, .categorical(let c)):
                throw FeatureMismatch(message: "column '\(c.name)' is numeric for the model but holds non-numeric values such as '\(c.categories.first ?? "")'")
            case (.categorical, .categorical(let c)):
                // Already in the training dictionary (the serving path builds rows that way):
                // nothing to re-code. Arrays sharing storage compare in constant time.
                let dictionary = feature.categories ?? []
                aligned.append(c.categories == dictionary ? column : .categorical(c.recoded(to: dictionary)))
            case (.categorical, .numeric(let c)):
                let texts = c.values.map { $0.isNaN ? nil : CSVWriter.formatNumber($0) }
                aligned.append(.categorical(CategoricalColumn(name: c.name, texts: texts).recoded(to: feature.categories ?? [])))
            }
        }
        return Dataset(columns: aligned, labels: labels, weights: weights, rowCount: rowCount)
    }
}

/// A trained gradient-boosted tree model for binary classification: raw score =
/// `initialScore` + Σ tree outputs; probability = σ(raw score).
public struct GBDTModel: Codable, Sendable, Equatable {
    /// Bumped when the serialised form changes incompatibly.
    public static let formatVersion = 1

    public var features: [ModelFeature]
    public var initialScore: Double
    public var trees: [Tree]
    public var parameters: GBDTParameters
    /// The training bins (for drift monitoring and reproducibility).
    public var featureBins: [FeatureBins]
    /// The validation metric after each round, when early stopping watched one.
    public var validationHistory: [Double]

    /// Raw scores (log-odds) of every row of `dataset` (aligned by column name).
    public func rawScores(_ dataset: Dataset, threads: Int = defaultThreadCount) throws(FeatureMismatch) -> [Double] {
        let data = try dataset.aligned(to: features)
        let predictor = TreeEnsemblePredictor(trees: trees, initialScore: initialScore)
        return predictor.rawScores(data, threads: threads)
    }

    /// Probabilities of label 1.
    public func probabilities(_ dataset: Dataset, threads: Int = defaultThreadCount) throws(FeatureMismatch) -> [Double] {
        try rawScores(dataset, threads: threads).map(logistic)
    }

    /// Per-feature importance: the number of splits on each feature, or their total gain.
    public func featureImportance(byGain: Bool) -> [Double] {
        var importance = [Double](repeating: 0, count: features.count)
        for tree in trees {
            for node in 0..<tree.nodeCount where tree.feature[node] >= 0 {
                importance[Int(tree.feature[node])] += byGain ? tree.gain[node] : 1
            }
        }
        return importance
    }
}

/// Scores rows with a list of trees: rows in blocks of 256 are laid out row-major (numeric
/// values; category codes as floats), then the flattened trees (``FlatForest``) are walked one
/// tree at a time over the block. Blocks run in parallel; each row's sum is taken in tree
/// order, so scores do not depend on the thread count.
public struct TreeEnsemblePredictor: Sendable {
    public let initialScore: Double
    private let forest: FlatForest

    public init(trees: [Tree], initialScore: Double) {
        self.initialScore = initialScore
        self.forest = FlatForest(trees)
    }

    /// The raw score of one row given as feature values in model order (numeric values;
    /// category codes of the training dictionary as floats, negative for missing/unseen).
    /// Allocation-free: for single-row scoring in services. Equal bit for bit to the row's
    /// score from ``rawScores(_:threads:)``: the trees' outputs are added to the initial score
    /// in tree order on both paths.
    @inline(__always)
    public func rawScore(row: UnsafePointer<Float>) -> Double {
        forest.sum(row, startingAt: initialScore)
    }

    /// Raw scores of `count` rows laid out row-major (`featureCount` values each, as for
    /// ``rawScore(row:)``), written to `scores`. Each equals ``rawScore(row:)`` and the table
    /// path bit for bit: the trees' outputs are added to the initial score in tree order.
    public func rawScores(rows: UnsafePointer<Float>, count: Int, featureCount: Int, into scores: UnsafeMutablePointer<Double>) {
        scores.update(repeating: initialScore, count: count)
        forest.add(block: rows, featureCount: featureCount, count: count, to: scores)
    }

    /// Raw scores of every row of `data`, whose columns are the trees' features in order.
    public func rawScores(_ data: Dataset, threads: Int) -> [Double] {
        let n = data.rowCount, featureCount = max(1, data.columns.count)
        let blockSize = 256
        var scores = [Double](repeating: initialScore, count: n)
        scores.withUnsafeMutableBufferPointer { out in
            let output = UncheckedSendable(out)
            parallelFor((n + blockSize - 1) / blockSize, threads: n < 4096 ? 1 : threads) { block in
                let rows = (block * blockSize)..<min(n, (block + 1) * blockSize)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: rows.count * featureCount) { matrix in
                    for (feature, column) in data.columns.enumerated() {
                        switch column {
                        case .numeric(let c):
                            c.values.withUnsafeBufferPointer { values in
                                for (k, row) in rows.enumerated() { matrix[k * featureCount + feature] = values[row] }
                            }
                        case .categorical(let c):
                            for (k, row) in rows.enumerated() { matrix[k * featureCount + feature] = Float(c.codes[row]) }
                        }
                    }
                    forest.add(block: matrix.baseAddress!, featureCount: featureCount, count: rows.count,
                               to: output.value.baseAddress! + rows.lowerBound)
                }
            }
        }
        return scores
    }
}
