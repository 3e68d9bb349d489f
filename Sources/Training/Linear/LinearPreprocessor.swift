import Core
import Evaluation
import Foundation
import Tuning

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
    public static func fit(_ data: Dataset, imputation: Imputation = .mean, threads: Int = defaultThreadCount) throws(PreprocessingError) -> LinearPreprocessor {
        // Numeric columns are independent: fit them in parallel, report the first problem.
        let fitted = ResultSlots<Result<NumericInput, PreprocessingError>>(count: data.columns.count)
        parallelFor(data.columns.count, threads: threads) { index in
            if case .numeric(let c) = data.columns[index] {
                fitted[index] = Result { () throws(PreprocessingError) in try fitNumeric(c, imputation: imputation) }
            }
        }
        var numeric: [NumericInput] = [], categorical: [CategoricalInput] = []
        for (index, column) in data.columns.enumerated() {
            switch column {
            case .numeric:
                numeric.append(try fitted[index]!.get())
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

    /// Mean and population standard deviation of the present values (two passes, in Double),
    /// and the imputation fill.
    private static func fitNumeric(_ column: NumericColumn, imputation: Imputation) throws(PreprocessingError) -> NumericInput {
        var count = 0, sum = 0.0
        var infiniteRow: Int?
        column.values.withUnsafeBufferPointer { values in
            for (row, value) in values.enumerated() where !value.isNaN {
                if value.isInfinite { infiniteRow = infiniteRow ?? row }
                count += 1
                sum += Double(value)
            }
        }
        if let row = infiniteRow { throw PreprocessingError(message: "column '\(column.name)', row \(row + 1): infinite value \(column.values[row])") }
        let hasMissing = count < column.values.count
        guard count > 0 else {
            return NumericInput(name: column.name, mean: 0, scale: 1, fill: 0, indicator: hasMissing)
        }
        let mean = sum / Double(count)
        var squares = 0.0
        column.values.withUnsafeBufferPointer { values in
            for value in values where !value.isNaN {
                let d = Double(value) - mean
                squares += d * d
            }
        }
        let deviation = (squares / Double(count)).squareRoot()
        // Constant up to rounding (scikit-learn's test is similar): scale 1 keeps the column at 0.
        let scale = deviation <= 1e-12 * max(1, abs(mean)) ? 1 : deviation
        let fill: Double
        switch imputation {
        case .mean: fill = mean
        case .median:
            fill = median(column.values.filter { !$0.isNaN }.map(Double.init))
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
    public func parts(_ data: Dataset, threads: Int = defaultThreadCount) throws(PreprocessingError) -> Parts {
        let aligned: Dataset
        do { aligned = try data.aligned(to: features) } catch { throw PreprocessingError(message: error.message) }
        let n = aligned.rowCount
        var numericColumns: [NumericColumn] = [], levels: [[Int32]] = []
        for column in aligned.columns {
            switch column {
            case .numeric(let c):
                if let row = c.values.firstIndex(where: { $0.isInfinite }) {
                    throw PreprocessingError(message: "column '\(c.name)', row \(row + 1): infinite value \(c.values[row])")
                }
                numericColumns.append(c)
            case .categorical(let c):
                levels.append(levelsOf(c, input: categorical[levels.count]))
            }
        }
        // Standardised values and indicators, written row-major a block of rows at a time (the
        // block stays in cache while every column writes into it); blocks run in parallel.
        let width = continuousWidth
        var indicatorColumns: [Int] = []
        var nextIndicator = numeric.count
        for input in numeric {
            indicatorColumns.append(input.indicator ? nextIndicator : -1)
            if input.indicator { nextIndicator += 1 }
        }
        let blockRows = 512
        let continuous = DenseMatrix(rowCount: n, columnCount: width) { out in
            let output = UncheckedSendable(out)
            parallelFor((n + blockRows - 1) / blockRows, threads: n < 8192 ? 1 : threads) { block in
                let rows = (block * blockRows)..<min(n, (block + 1) * blockRows)
                let target = output.value.baseAddress!
                for row in rows where width > numeric.count {
                    (target + row * width + numeric.count).initialize(repeating: 0, count: width - numeric.count)
                }
                for (index, column) in numericColumns.enumerated() {
                    let input = numeric[index], indicator = indicatorColumns[index]
                    let filled = (input.fill - input.mean) / input.scale, mean = input.mean, inverseScale = 1 / input.scale
                    column.values.withUnsafeBufferPointer { values in
                        for row in rows {
                            let value = values[row]
                            if value.isNaN {
                                target[row * width + index] = filled
                                if indicator >= 0 { target[row * width + indicator] = 1 }
                            } else {
                                target[row * width + index] = (Double(value) - mean) * inverseScale
                            }
                        }
                    }
                }
            }
        }
        return Parts(continuous: continuous, levels: levels)
    }

    /// Each row's level in `input`'s one-hot block (−1: all zeros) for a column already
    /// recoded to the training dictionary.
    private func levelsOf(_ column: CategoricalColumn, input: CategoricalInput) -> [Int32] {
        let dictionary = features[features.firstIndex { $0.name == column.name }!].categories ?? []
        var slotOfLevel: [String: Int32] = [:]
        for (slot, level) in input.levels.enumerated() { slotOfLevel[level] = Int32(slot) }
        let slotOfCode = dictionary.map { slotOfLevel[$0] ?? -1 }
        let missingSlot: Int32 = input.missingLevel ? Int32(input.levels.count) : -1
        return column.codes.map { code in
            code >= 0 ? slotOfCode[Int(code)] : (code == CategoricalColumn.missingCode ? missingSlot : -1)
        }
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
