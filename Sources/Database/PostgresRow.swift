/// One row of a ``PostgresResult``, read by column name with checked conversions: the one way
/// mlctl reads values out of a query result.
///
/// Every accessor names its column. A column the result lacks throws
/// ``PostgresError/missingColumn(name:columns:)``; NULL in a required accessor, or text that
/// does not convert, throws ``PostgresError/unexpectedValue(column:value:expected:)`` naming
/// the column, the value and what was expected. The `optional…` accessors return `nil` for
/// NULL and still throw for a missing column or a value that does not convert. Nothing here
/// traps, so a damaged database costs the request, not the process.
///
/// Values arrive as PostgreSQL's text output: integers in decimal, `float8` as the shortest
/// exact decimal (or `NaN`, `Infinity`, `-Infinity`), booleans as `t` / `f`.
public struct PostgresRow: Sendable {
    /// The result's column names, in order.
    public let columns: [String]
    private let positions: [String: Int]
    private let values: [String?]

    init(columns: [String], positions: [String: Int], values: [String?]) {
        self.columns = columns
        self.positions = positions
        self.values = values
    }

    /// The value of `column` converted by `convert`, which returns `nil` for text that is not
    /// a valid value; `expected` says what is valid, for the error (`"running or stopped"`).
    /// Domain checks belong in `convert` too: `{ Int($0).flatMap { (1...99).contains($0) ? $0 : nil } }`.
    /// - Throws: ``PostgresError/missingColumn(name:columns:)``, or
    ///   ``PostgresError/unexpectedValue(column:value:expected:)`` for NULL or a value `convert` refuses.
    public func value<T>(_ column: String, expected: String, _ convert: (String) -> T?) throws(PostgresError) -> T {
        guard let value = try optionalValue(column, expected: expected, convert) else {
            throw .unexpectedValue(column: column, value: nil, expected: expected)
        }
        return value
    }

    /// Like ``value(_:expected:_:)``, but `nil` for NULL.
    public func optionalValue<T>(_ column: String, expected: String, _ convert: (String) -> T?) throws(PostgresError) -> T? {
        guard let text = try optionalText(column) else { return nil }
        guard let value = convert(text) else { throw .unexpectedValue(column: column, value: text, expected: expected) }
        return value
    }

    /// The text of `column`; `nil` for NULL. - Throws: ``PostgresError/missingColumn(name:columns:)``.
    public func optionalText(_ column: String) throws(PostgresError) -> String? {
        guard let position = positions[column] else { throw .missingColumn(name: column, columns: columns) }
        return values[position]
    }

    /// The text of a non-NULL `column`.
    public func text(_ column: String) throws(PostgresError) -> String {
        try value(column, expected: "a value") { $0 }
    }

    /// A non-NULL `bigint` (or any integer) column.
    public func int64(_ column: String) throws(PostgresError) -> Int64 {
        try value(column, expected: Self.integer, Self.int64)
    }

    /// An integer column; `nil` for NULL.
    public func optionalInt64(_ column: String) throws(PostgresError) -> Int64? {
        try optionalValue(column, expected: Self.integer, Self.int64)
    }

    /// A non-NULL integer column as `Int` (a `count(*)`, an `integer`).
    public func int(_ column: String) throws(PostgresError) -> Int {
        try value(column, expected: Self.integer) { Int($0) }
    }

    /// A non-NULL `float8` (or `integer`, or `numeric`) column.
    public func double(_ column: String) throws(PostgresError) -> Double {
        try value(column, expected: Self.number, Self.double)
    }

    /// A number column; `nil` for NULL.
    public func optionalDouble(_ column: String) throws(PostgresError) -> Double? {
        try optionalValue(column, expected: Self.number, Self.double)
    }

    /// A non-NULL `boolean` column.
    public func bool(_ column: String) throws(PostgresError) -> Bool {
        try value(column, expected: Self.boolean, Self.bool)
    }

    /// A `boolean` column; `nil` for NULL.
    public func optionalBool(_ column: String) throws(PostgresError) -> Bool? {
        try optionalValue(column, expected: Self.boolean, Self.bool)
    }

    private static let integer = "an integer", number = "a number", boolean = "a boolean (t or f)"

    private static func int64(_ text: String) -> Int64? { Int64(text) }

    /// `float8` and `numeric` text, with PostgreSQL's `NaN`, `Infinity` and `-Infinity`
    /// (Swift's parser reads those spellings).
    private static func double(_ text: String) -> Double? { Double(text) }

    private static func bool(_ text: String) -> Bool? {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: return nil
        }
    }
}
