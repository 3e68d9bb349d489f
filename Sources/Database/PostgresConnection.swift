import CLibPQ
import Foundation

/// One connection to PostgreSQL through libpq.
///
/// Statements with user values go through ``query(_:_:)`` with `$1, $2, …` parameters, sent
/// separately from the SQL text, so values never become SQL. Bulk data moves with
/// ``copyIn(_:_:)`` and ``copyOut(_:_:)``. A connection is used by one thread at a time.
/// The session's `TimeZone` is UTC and `DateStyle` ISO, so timestamps read back the same
/// everywhere.
public final class PostgresConnection {
    private let connection: OpaquePointer

    /// Connects to `url` (`postgresql://user:pass@host:port/db?…` or a libpq key=value string).
    public init(url: String) throws(PostgresError) {
        guard let connection = PQconnectdb(url) else {
            throw .connectionFailed(message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw .connectionFailed(message: message)
        }
        self.connection = connection
        _ = try query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET client_min_messages = 'warning'")
    }

    deinit { PQfinish(connection) }

    /// Whether the connection is still usable.
    public var isOpen: Bool { PQstatus(connection) == CONNECTION_OK }

    /// Runs one statement (or, without parameters, several separated by `;`), with text-format
    /// parameters `$1…` (`nil` is SQL NULL), and returns its rows as text.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(connection, sql)
        } else {
            result = withCStringArray(parameters) { pointers in
                PQexecParams(connection, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
            }
        }
        return try check(result)
    }

    /// Runs one statement with parameters like ``query(_:_:)``, prepared on this connection the
    /// first time `sql` is seen and executed by name after that: a statement run for every
    /// request (the service's lead read and score write) is parsed and planned once per
    /// connection instead of on every call — those were a fifth of the database's time.
    @discardableResult
    public func queryPrepared(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> PostgresResult {
        let name: String
        if let known = preparedNames[sql] {
            name = known
        } else {
            name = "mlctl_\(preparedNames.count)"
            _ = try check(PQprepare(connection, name, sql, Int32(parameters.count), nil))
            preparedNames[sql] = name
        }
        let result = withCStringArray(parameters) { pointers in
            PQexecPrepared(connection, name, Int32(parameters.count), pointers, nil, nil, 0)
        }
        return try check(result)
    }

    /// The statements prepared on this connection, by their SQL.
    private var preparedNames: [String: String] = [:]

    /// Runs `body` inside `BEGIN … COMMIT`; rolls back and rethrows if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try query("BEGIN")
        do {
            let value = try body()
            try query("COMMIT")
            return value
        } catch {
            if isOpen { _ = try? query("ROLLBACK") }
            throw error
        }
    }

    /// Streams rows into a `COPY … FROM STDIN` statement. `produce` writes rows in the
    /// statement's format (text or CSV) to the ``CopyInWriter``, which sends them in large
    /// blocks. Returns the number of rows the server reports as copied. If `produce` throws,
    /// the COPY is aborted (nothing is inserted) and the error is rethrown.
    @discardableResult
    public func copyIn(_ sql: String, _ produce: (inout CopyInWriter) throws -> Void) throws -> Int {
        let start = PQexec(connection, sql)
        defer { PQclear(start) }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            throw statementError(start, fallback: "COPY did not start")
        }
        var writer = CopyInWriter(connection: connection)
        do {
            try produce(&writer)
            try writer.flush()
        } catch {
            _ = PQputCopyEnd(connection, "aborted by the client")
            drainResults()
            throw error
        }
        guard PQputCopyEnd(connection, nil) == 1 else { throw connectionError() }
        var copied = 0
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            if PQresultStatus(result) != PGRES_COMMAND_OK { throw statementError(result, fallback: "COPY failed") }
            copied = Int(String(cString: PQcmdTuples(result))) ?? 0
        }
        return copied
    }

    /// Streams the rows of a `COPY … TO STDOUT` statement: `consume` gets each row's bytes
    /// (one complete row, line end included), valid only during the call. Returns the row count.
    @discardableResult
    public func copyOut(_ sql: String, _ consume: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Int {
        let start = PQexec(connection, sql)
        defer { PQclear(start) }
        guard PQresultStatus(start) == PGRES_COPY_OUT else {
            throw statementError(start, fallback: "COPY did not start")
        }
        var rows = 0
        var failure: Error?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection, &buffer, 0)
            if length == -1 { break }
            if length == -2 { throw connectionError() }
            defer { PQfreemem(buffer) }
            if failure == nil, let buffer {
                do {
                    try buffer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                        try consume(UnsafeBufferPointer(start: $0, count: Int(length)))
                    }
                    rows += 1
                } catch {
                    failure = error  // keep reading so the connection stays usable
                }
            }
        }
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            if PQresultStatus(result) != PGRES_COMMAND_OK { throw statementError(result, fallback: "COPY failed") }
        }
        if let failure { throw failure }
        return rows
    }

    // MARK: Errors

    private func check(_ result: OpaquePointer?) throws(PostgresError) -> PostgresResult {
        guard let result else { throw connectionError() }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(result)
        default:
            let error = statementError(result, fallback: "the statement failed")
            PQclear(result)
            throw error
        }
    }

    private func statementError(_ result: OpaquePointer?, fallback: String) -> PostgresError {
        if PQstatus(connection) != CONNECTION_OK { return connectionError() }
        guard let result, let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) else {
            let message = Self.trimmed(PQerrorMessage(connection))
            return .client(message: message.isEmpty ? fallback : message)
        }
        let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? fallback
        let detail = PQresultErrorField(result, Int32(UInt8(ascii: "D"))).map { String(cString: $0) }
        return .server(sqlState: String(cString: state), message: message, detail: detail)
    }

    private func connectionError() -> PostgresError {
        let message = Self.trimmed(PQerrorMessage(connection))
        return .connectionLost(message: message.isEmpty ? "the server closed the connection" : message)
    }

    private func drainResults() {
        while let result = PQgetResult(connection) { PQclear(result) }
    }

    fileprivate static func trimmed(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Buffers COPY data and sends it to the server in blocks of about 1 MiB.
public struct CopyInWriter {
    fileprivate let connection: OpaquePointer
    private var buffer: [UInt8] = []
    private static let blockSize = 1 << 20

    fileprivate init(connection: OpaquePointer) {
        self.connection = connection
        buffer.reserveCapacity(Self.blockSize + 4096)
    }

    /// Appends raw bytes (already in the COPY format).
    public mutating func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.blockSize { try flush() }
    }

    /// Appends text (already in the COPY format).
    public mutating func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.blockSize { try flush() }
    }

    /// Sends what is buffered.
    public mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        let status = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
        }
        guard status == 1 else {
            throw PostgresError.connectionLost(message: PostgresConnection.trimmed(PQerrorMessage(connection)))
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Calls `body` with C strings for `strings` (NULL pointers for `nil`), alive during the call.
private func withCStringArray<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { $0.map { strdup($0)! } }
    defer { for copy in copies { free(copy) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
