/// How to read a CSV file into a ``Dataset``.
public struct CSVReadOptions: Sendable {
    /// The label column (values 0 or 1, never empty). `nil` reads features only, as for
    /// prediction.
    public var target: String?
    /// An optional column of sample weights (finite, ≥ 0, never empty).
    public var weightColumn: String?
    /// Columns to drop (an id, a leaked outcome). Names that the file lacks are ignored, so the
    /// same options serve files with and without, say, the target.
    public var ignoredColumns: Set<String>
    /// Explicit column kinds; every other column is inferred: numeric when every non-empty
    /// field parses as a decimal number (`nan` and `inf` included), categorical otherwise.
    public var columnKinds: [String: ColumnKind]
    /// Worker threads for parsing; `nil` uses every core. The result does not depend on it.
    public var threads: Int?

    public init(target: String? = nil, weightColumn: String? = nil, ignoredColumns: Set<String> = [],
                columnKinds: [String: ColumnKind] = [:], threads: Int? = nil) {
        self.target = target
        self.weightColumn = weightColumn
        self.ignoredColumns = ignoredColumns
        self.columnKinds = columnKinds
        self.threads = threads
    }
}

/// The kind of a feature column.
public enum ColumnKind: String, Sendable, Codable {
    case numeric
    case categorical
}
