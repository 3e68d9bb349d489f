/// A columnar table of features with a binary label: the input of every model in mlctl.
///
/// Numeric columns hold `Float` values with NaN as "missing". Categorical columns hold `Int32`
/// codes into a dictionary of category names, with two reserved negative codes:
/// ``CategoricalColumn/missingCode`` for an empty field and ``CategoricalColumn/unseenCode``
/// for a category that the column's dictionary does not know (possible only after
/// re-encoding new data with a training dictionary, see ``CategoricalColumn/recoded(to:)``).
///
/// The label is 0/1 (`UInt8`), one per row; it is empty for data read for prediction only.
/// Sample weights are optional; `nil` means every row weighs 1.
public struct Dataset: Sendable {
    /// The feature columns, in a fixed order (the CSV's column order, less target and weight).
    public var columns: [Column]
    /// One label per row, 0 or 1; empty when the data has no target.
    public var labels: [UInt8]
    /// Optional per-row sample weights (finite, non-negative).
    public var weights: [Float]?
    /// Number of rows.
    public let rowCount: Int

    /// Creates a dataset, checking that every column and the labels have `rowCount` entries.
    public init(columns: [Column], labels: [UInt8], weights: [Float]? = nil, rowCount: Int) {
        precondition(columns.allSatisfy { $0.count == rowCount }, "every column needs rowCount values")
        precondition(labels.isEmpty || labels.count == rowCount, "labels must be empty or one per row")
        precondition(weights == nil || weights!.count == rowCount, "weights must be one per row")
        self.columns = columns
        self.labels = labels
        self.weights = weights
        self.rowCount = rowCount
    }

    /// The column names, in column order.
    public var featureNames: [String] { columns.map(\.name) }

    /// Whether the dataset carries a label per row.
    public var hasLabels: Bool { !labels.isEmpty || rowCount == 0 }

    /// Index of the column called `name`, if any.
    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// Number of rows whose label is 1.
    public var positiveCount: Int { labels.reduce(0) { $0 + Int($1) } }

    /// Writes row `row` as the one-row scoring path reads it (``PreparedModel``): one value per
    /// column, in column order — numbers as they are (NaN missing), categories as their codes.
    /// Align the data to the model first (``aligned(to:)``) so the columns are its features.
    public func writeRow(_ row: Int, to out: UnsafeMutablePointer<Float>) {
        for (index, column) in columns.enumerated() {
            switch column {
            case .numeric(let c): out[index] = c.values[row]
            case .categorical(let c): out[index] = Float(c.codes[row])
            }
        }
    }

    /// A new dataset holding the given rows, in the given order (duplicates allowed, as for a
    /// bootstrap sample). Category dictionaries are kept whole, so codes stay comparable.
    public func rows(_ indices: [Int]) -> Dataset {
        Dataset(
            columns: columns.map { $0.rows(indices) },
            labels: labels.isEmpty ? [] : indices.map { labels[$0] },
            weights: weights.map { w in indices.map { w[$0] } },
            rowCount: indices.count)
    }
}

/// One feature column of a ``Dataset``.
public enum Column: Sendable {
    case numeric(NumericColumn)
    case categorical(CategoricalColumn)

    /// The column's name (its CSV header).
    public var name: String {
        switch self {
        case .numeric(let c): return c.name
        case .categorical(let c): return c.name
        }
    }

    /// Number of values.
    public var count: Int {
        switch self {
        case .numeric(let c): return c.values.count
        case .categorical(let c): return c.codes.count
        }
    }

    /// Whether this is a categorical column.
    public var isCategorical: Bool {
        if case .categorical = self { return true }
        return false
    }

    /// The same column restricted to `indices`, in that order.
    public func rows(_ indices: [Int]) -> Column {
        switch self {
        case .numeric(let c):
            return .numeric(NumericColumn(name: c.name, values: indices.map { c.values[$0] }))
        case .categorical(let c):
            return .categorical(CategoricalColumn(
                name: c.name, codes: indices.map { c.codes[$0] }, categories: c.categories))
        }
    }
}

/// A numeric feature: `Float` values, NaN for missing. ±infinity is kept as given; models
/// decide how to treat it.
public struct NumericColumn: Sendable, Equatable {
    public var name: String
    public var values: [Float]
    public init(name: String, values: [Float]) {
        self.name = name
        self.values = values
    }
    /// Number of missing (NaN) values.
    public var missingCount: Int { values.reduce(0) { $0 + ($1.isNaN ? 1 : 0) } }
}

/// A categorical feature: codes `0..<categories.count` index ``categories``; negative codes are
/// the reserved ``missingCode`` and ``unseenCode``.
public struct CategoricalColumn: Sendable, Equatable {
    /// Code of a missing value (an empty CSV field, a SQL NULL).
    public static let missingCode: Int32 = -1
    /// Code of a category that is not in ``categories`` (new data re-encoded with a training
    /// dictionary).
    public static let unseenCode: Int32 = -2

    public var name: String
    public var codes: [Int32]
    /// The dictionary: `categories[code]` is the category's text.
    public var categories: [String]

    public init(name: String, codes: [Int32], categories: [String]) {
        self.name = name
        self.codes = codes
        self.categories = categories
    }

    /// A column from text values (`nil`: missing), with the dictionary sorted by
    /// ``utf8Order(_:_:)`` as the CSV reader sorts it, so a table built in memory and the same
    /// table read from CSV have the same codes.
    public init(name: String, texts: [String?]) {
        let categories = Set(texts.compactMap { $0 }).sorted(by: utf8Order)
        var codeOf: [String: Int32] = [:]
        for (code, text) in categories.enumerated() { codeOf[text] = Int32(code) }
        self.init(name: name, codes: texts.map { $0.map { codeOf[$0]! } ?? CategoricalColumn.missingCode }, categories: categories)
    }

    /// The text of row `row`'s category, or `nil` for missing and unseen values.
    public func category(atRow row: Int) -> String? {
        let code = codes[row]
        return code >= 0 ? categories[Int(code)] : nil
    }

    /// This column's values re-encoded with `dictionary` (for example the training data's):
    /// categories absent from it become ``unseenCode``; missing stays missing.
    public func recoded(to dictionary: [String]) -> CategoricalColumn {
        var position: [String: Int32] = [:]
        for (code, text) in dictionary.enumerated() { position[text] = Int32(code) }
        let translation = categories.map { position[$0] ?? CategoricalColumn.unseenCode }
        let newCodes = codes.map { $0 >= 0 ? translation[Int($0)] : $0 }
        return CategoricalColumn(name: name, codes: newCodes, categories: dictionary)
    }
}

/// The order of category dictionaries everywhere in mlctl: by UTF-8 bytes (code points),
/// which does not depend on locale or Unicode normalisation.
@inline(__always)
public func utf8Order(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
