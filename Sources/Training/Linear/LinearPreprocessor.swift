import Foundation

/// Why data cannot be turned into a design matrix: the message names the column and row.
public struct PreprocessingError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }
}

/// The preprocessing of the linear models, fitted on training data only and stored in the
/// artifact: it turns a ``Dataset`` into the dense design matrix the coefficients refer to.
///
/// Output columns, in this order:
/// 1. one per numeric input: missing values imputed (training mean or median of the present
///    values), then standardised, `(x − mean) / scale`, with mean and population standard
///    deviation of the present training values (as scikit-learn's `StandardScaler`, which
///    ignores NaN when fitting). A column with zero variance gets `scale` 1, so it becomes a
///    constant (0) instead of a division by zero.
/// 2. one missing-value indicator (0/1) per numeric input that had missing values in
///    training (as `SimpleImputer(add_indicator=True)`); inputs complete in training get none,
///    and a missing value there at prediction time is simply imputed.
/// 3. one-hot blocks, one per categorical input: a 0/1 column per category seen in training,
///    plus a `<missing>` column if training had missing values. Categories unseen in training
///    (and missing values when training had none) get all zeros, as scikit-learn's
///    `OneHotEncoder(handle_unknown="ignore")`.
///
/// Indicators and one-hot columns are not scaled. Infinite values are rejected: they have no
/// place on a standardised scale and are almost always a data error.
public struct LinearPreprocessor: Codable, Sendable, Equatable {
    public enum Imputation: String, Codable, Sendable, CaseIterable {
        case mean, median
    }

    /// How one numeric input becomes its output column(s).
    public struct NumericInput: Codable, Sendable, Equatable {
        public var name: String
        /// Mean of the present training values (0 when none was present).
        public var mean: Double
        /// Population standard deviation of the present training values; 1 for constant columns.
        public var scale: Double
        /// The value (in input units) that replaces a missing one.
        public var fill: Double
        /// Whether a missing-value indicator column follows the standardised columns.
        public var indicator: Bool
    }

    /// How one categorical input becomes its one-hot block.
    public struct CategoricalInput: Codable, Sendable, Equatable {
        public var name: String
        /// The categories with an output column, in training-dictionary order.
        public var levels: [String]
        /// Whether the block ends with a `<missing>` column.
        public var missingLevel: Bool
    }

    /// The input columns, in the order the data is aligned to (``Dataset/aligned(to:)``).
    public var features: [ModelFeature]
    public var imputation: Imputation
    public var numeric: [NumericInput]
    public var categorical: [CategoricalInput]

    /// Fits the preprocessing to `data` (training rows only).
    /// - Throws: ``PreprocessingError`` for an infinite value (naming column and row).
    public static func fit(_ data: Dataset, imputation: Imputation = .mean) throws(PreprocessingError) -> LinearPreprocessor {
        var numeric: [NumericInput] = [], categorical: [CategoricalInput] = []
        for column in data.columns {
            switch column {
            case .numeric(let c):
                numeric.append(try fitNumeric(c, imputation: imputation))
            case .categorical(let c):
                var counts = [Int](repeating: 0, count: c.categories.count)
                var missing = false
                for code in c.codes {
                    if code >= 0 { counts[Int(code)] += 1 } else { missing = true }
                }
                let levels = c.categories.indices.filter { counts[$0] > 0 }.map { c.categories[$0] }
                categorical.append(CategoricalInput(name: c.name, levels: levels, missingLevel: missing))
            }
        }
        return LinearPreprocessor(features: ModelFeature.of(data), imputation: imputation, numeric: numeric, categorical: categorical)
    }

    private static func fitNumeric(_ column: NumericColumn, imputation: Imputation) throws(PreprocessingError) -> NumericInput {
        var present: [Double] = []
        present.reserveCapacity(column.values.count)
        for (row, value) in column.values.enumerated() {
            if value.isNaN { continue }
            guard value.isFinite else { throw PreprocessingError(message: "column '\(column.name)', row \(row + 1): infinite value \(value)") }
            present.append(Double(value))
        }
        let hasMissing = present.count < column.values.count
        guard !present.isEmpty else {
            return NumericInput(name: column.name, mean: 0, scale: 1, fill: 0, indicator: hasMissing)
        }
        let mean = present.reduce(0, +) / Double(present.count)
        let variance = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count)
        let deviation = variance.squareRoot()
        // Constant up to rounding (scikit-learn's test is similar): scale 1 keeps the column at 0.
        let scale = deviation <= 1e-12 * max(1, abs(mean)) ? 1 : deviation
        let fill: Double
        switch imputation {
        case .mean: fill = mean
        case .median:
            present.sort()
            let middle = present.count / 2
            fill = present.count % 2 == 1 ? present[middle] : (present[middle - 1] + present[middle]) / 2
        }
        return NumericInput(name: column.name, mean: mean, scale: scale, fill: fill, indicator: hasMissing)
    }

    /// The number of continuous output columns: standardised numerics and indicators. SMOTE
    /// interpolates these; the one-hot columns after them are categorical.
    public var continuousWidth: Int { numeric.count + numeric.filter(\.indicator).count }

    /// The number of output columns.
    public var outputWidth: Int {
        continuousWidth + categorical.reduce(0) { $0 + $1.levels.count + ($1.missingLevel ? 1 : 0) }
    }

    /// The output column names: the input name for a standardised value,
    /// `NAME__missing` for an indicator, `NAME=CATEGORY` / `NAME=<missing>` for one-hot columns.
    public var outputNames: [String] {
        var names = numeric.map(\.name) + numeric.filter(\.indicator).map { "\($0.name)__missing" }
        for input in categorical {
            names += input.levels.map { "\(input.name)=\($0)" }
            if input.missingLevel { names.append("\(input.name)=<missing>") }
        }
        return names
    }

    /// For each output column, the index in ``features`` of the input it comes from (to add
    /// per-column contributions up per input feature).
    public var outputOwners: [Int] {
        let numericIndices = features.indices.filter { features[$0].kind == .numeric }
        let categoricalIndices = features.indices.filter { features[$0].kind == .categorical }
        var owners = numericIndices
        owners += numeric.indices.filter { numeric[$0].indicator }.map { numericIndices[$0] }
        for (k, input) in categorical.enumerated() {
            owners += Array(repeating: categoricalIndices[k], count: input.levels.count + (input.missingLevel ? 1 : 0))
        }
        return owners
    }

    /// The continuous part of the design matrix (``continuousWidth`` columns) and, per
    /// categorical input, each row's level: an index into that input's one-hot block
    /// (`levels`, then `<missing>`), or −1 for all zeros.
    public struct Parts: Sendable {
        public var continuous: DenseMatrix
        public var levels: [[Int32]]
    }

    /// Splits `data` into continuous values and categorical levels (see ``Parts``).
    /// - Throws: ``FeatureMismatch`` (as ``PreprocessingError``) if a column is absent or of
    ///   the wrong kind; ``PreprocessingError`` for an infinite value.
    public func parts(_ data: Dataset) throws(PreprocessingError) -> Parts {
        let aligned: Dataset
        do { aligned = try data.aligned(to: features) } catch { throw PreprocessingError(message: error.message) }
        let n = aligned.rowCount
        let width = continuousWidth
        var continuous = DenseMatrix(rowCount: n, columnCount: width)
        var levels: [[Int32]] = []
        var numericIndex = 0, indicatorColumn = numeric.count, categoricalIndex = 0
        for column in aligned.columns {
            switch column {
            case .numeric(let c):
                let input = numeric[numericIndex]
                let indicator = input.indicator ? indicatorColumn : -1
                if input.indicator { indicatorColumn += 1 }
                if let row = c.values.firstIndex(where: { $0.isInfinite }) {
                    throw PreprocessingError(message: "column '\(c.name)', row \(row + 1): infinite value \(c.values[row])")
                }
                let filled = (input.fill - input.mean) / input.scale, mean = input.mean, inverseScale = 1 / input.scale
                c.values.withUnsafeBufferPointer { values in
                    continuous.values.withUnsafeMutableBufferPointer { out in
                        for row in 0..<n {
                            let value = values[row]
                            let base = row * width
                            if value.isNaN {
                                out[base + numericIndex] = filled
                                if indicator >= 0 { out[base + indicator] = 1 }
                            } else {
                                out[base + numericIndex] = (Double(value) - mean) * inverseScale
                            }
                        }
                    }
                }
                numericIndex += 1
            case .categorical(let c):
                let input = categorical[categoricalIndex]
                let dictionary = features[features.firstIndex { $0.name == c.name }!].categories ?? []
                var slotOfCode = [Int32](repeating: -1, count: dictionary.count)
                var slotOfLevel: [String: Int32] = [:]
                for (slot, level) in input.levels.enumerated() { slotOfLevel[level] = Int32(slot) }
                for (code, category) in dictionary.enumerated() { slotOfCode[code] = slotOfLevel[category] ?? -1 }
                let missingSlot: Int32 = input.missingLevel ? Int32(input.levels.count) : -1
                levels.append(c.codes.map { code in
                    code >= 0 ? slotOfCode[Int(code)] : (code == CategoricalColumn.missingCode ? missingSlot : -1)
                })
                categoricalIndex += 1
            }
        }
        return Parts(continuous: continuous, levels: levels)
    }

    /// Joins continuous values and categorical levels into the full design matrix.
    public func designMatrix(_ parts: Parts) -> DenseMatrix {
        let n = parts.continuous.rowCount, width = outputWidth, continuous = continuousWidth
        var matrix = DenseMatrix(rowCount: n, columnCount: width)
        var blockStart = [Int](), start = continuous
        for input in categorical {
            blockStart.append(start)
            start += input.levels.count + (input.missingLevel ? 1 : 0)
        }
        parts.continuous.values.withUnsafeBufferPointer { source in
            matrix.values.withUnsafeMutableBufferPointer { out in
                for row in 0..<n {
                    if continuous > 0 {
                        (out.baseAddress! + row * width).update(from: source.baseAddress! + row * continuous, count: continuous)
                    }
                    for (k, rowLevels) in parts.levels.enumerated() {
                        let level = rowLevels[row]
                        if level >= 0 { out[row * width + blockStart[k] + Int(level)] = 1 }
                    }
                }
            }
        }
        return matrix
    }

    /// The design matrix of `data` (``parts(_:)`` then ``designMatrix(_:)``).
    public func transform(_ data: Dataset) throws(PreprocessingError) -> DenseMatrix {
        designMatrix(try parts(data))
    }
}
