import CLibPQ

/// The rows of a statement, as text, copied out of libpq's result.
///
/// Readers take values by column name through the rows it holds as a collection
/// (``PostgresRow``: `for row in result { try row.int64("id") }`), so a column that was
/// renamed, dropped, moved or left NULL is a thrown ``PostgresError``, never a crash.
/// ``rows`` gives the raw text by position, for readers of a fixed select list that check
/// the shape themselves (``count`` of values per row).
public struct PostgresResult: Sendable {
    /// Column names, in order, as libpq's `PQfname` gives them (a column's alias if it has one).
    public let columns: [String]
    /// `rows[r][c]`: the text of a value, `nil` for NULL.
    public let rows: [[String?]]
    /// Rows affected by INSERT/UPDATE/DELETE (0 for other statements).
    public let affectedRows: Int
    /// The position of each column name; the first column of a name that appears twice.
    private let positions: [String: Int]

    init(_ result: OpaquePointer) {
        defer { PQclear(result) }
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let rows = (0..<rowCount).map { r in
            (0..<columnCount).map { c in
                PQgetisnull(result, Int32(r), Int32(c)) == 1 ? nil : String(cString: PQgetvalue(result, Int32(r), Int32(c)))
            }
        }
        self.init(columns: columns, rows: rows, affectedRows: Int(String(cString: PQcmdTuples(result))) ?? 0)
    }

    /// A result made of `columns` and `rows` (each as many values as there are columns).
    init(columns: [String], rows: [[String?]], affectedRows: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
        positions = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The text in `row` of the column called `name`: `nil` for NULL and for no such column.
    /// Readers that must tell those apart, or need a typed value, use ``PostgresRow``.
    public func value(_ row: Int, _ name: String) -> String? {
        (try? self[row].optionalText(name)) ?? nil
    }
}

extension PostgresResult: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { rows.count }

    /// Row `index`, read by column name.
    public subscript(index: Int) -> PostgresRow {
        PostgresRow(columns: columns, positions: positions, values: rows[index])
    }
}
