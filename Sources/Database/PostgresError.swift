/// A failure talking to PostgreSQL, with the server's own words where it gave any.
///
/// Messages never contain the password of the connection URL: libpq does not echo it, and
/// mlctl never includes the URL itself.
public enum PostgresError: Error, CustomStringConvertible, Sendable {
    /// Could not connect (wrong host, port, credentials, database).
    case connectionFailed(message: String)
    /// The server rejected a statement. `sqlState` is the five-character SQLSTATE code
    /// (e.g. `23505` for a unique violation).
    case server(sqlState: String, message: String, detail: String?)
    /// The connection broke (server stopped or restarted, network gone).
    case connectionLost(message: String)
    /// The client could not proceed (a COPY that did not start, an unexpected result).
    case client(message: String)
    /// The statement succeeded but its result has no column called `name` (a renamed or
    /// dropped column, a changed query). `columns` are the result's columns.
    case missingColumn(name: String, columns: [String])
    /// The statement succeeded but a value in `column` is not what the reader needs: NULL
    /// (`value` is `nil`) where one is required, or text that does not read as `expected`
    /// (`"an integer"`, `"running or stopped"`).
    case unexpectedValue(column: String, value: String?, expected: String)

    public var description: String {
        switch self {
        case .connectionFailed(let message): return "cannot connect to PostgreSQL: \(message)"
        case .server(let sqlState, let message, let detail):
            return "PostgreSQL error \(sqlState): \(message)" + (detail.map { " (\($0))" } ?? "")
        case .connectionLost(let message): return "lost the connection to PostgreSQL: \(message)"
        case .client(let message): return "PostgreSQL client error: \(message)"
        case .missingColumn(let name, let columns):
            return "PostgreSQL result has no column '\(name)' (it has \(columns.isEmpty ? "none" : columns.joined(separator: ", ")))"
        case .unexpectedValue(let column, let value, let expected):
            let found = value.map { "holds '\($0.prefix(64))'" } ?? "is NULL"
            return "PostgreSQL result column '\(column)' \(found), expected \(expected)"
        }
    }

    /// Whether the statement succeeded and its result is what could not be read: a missing
    /// column or an unexpected value. The database holds data, or has a schema, that the
    /// reader does not expect; retrying does not help.
    public var isUnreadableResult: Bool {
        switch self {
        case .missingColumn, .unexpectedValue: return true
        case .connectionFailed, .server, .connectionLost, .client: return false
        }
    }

    /// Whether retrying on a new connection may help (the connection, not the statement, failed).
    public var isConnectionProblem: Bool {
        switch self {
        case .connectionFailed, .connectionLost: return true
        case .server(let sqlState, _, _): return sqlState.hasPrefix("08") || sqlState == "57P01"
        case .client, .missingColumn, .unexpectedValue: return false
        }
    }
}
