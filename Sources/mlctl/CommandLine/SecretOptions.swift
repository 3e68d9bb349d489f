import Foundation

/// Options that carry secrets — the PostgreSQL URL (it may hold a password) and the admin
/// token — read so that they need not appear on the command line, where `ps` shows them to
/// every user of the machine. Precedence, the same for both: the flag, then the file flag,
/// then the environment. The values are never printed or logged.
extension OptionSpec {
    /// `--database-url URL` and `--database-url-file FILE`. Neither is required at parse time
    /// (the URL may come from `DATABASE_URL`); `help` says what the URL is for.
    static func databaseURL(_ help: String) -> [OptionSpec] {
        [.value("database-url", "URL", "\(help) (or --database-url-file, or the DATABASE_URL environment variable)"),
         .value("database-url-file", "FILE", "a file whose first line is the PostgreSQL URL (keeps a password out of ps)")]
    }

    /// `--admin-token-file FILE` (or `MLCTL_ADMIN_TOKEN_FILE`).
    static let adminTokenFile = OptionSpec.value("admin-token-file", "FILE",
                                                 "file holding the bearer token of the admin routes, or MLCTL_ADMIN_TOKEN_FILE (without either they are disabled)")
}

extension ParsedOptions {
    /// The PostgreSQL URL: `--database-url`, else the first line of `--database-url-file`,
    /// else `DATABASE_URL` when `readingEnvironment` (commands for which the environment must
    /// not change what they do, such as train-all choosing its source, pass false). nil when
    /// none gives one.
    /// - Throws: ``UsageError`` naming the file when it cannot be read or its first line is empty.
    func databaseURL(readingEnvironment: Bool = true) throws(UsageError) -> String? {
        if let url = string("database-url") { return url }
        if let path = string("database-url-file") { return try Self.firstLine(ofSecretFile: path, what: "database URL") }
        guard readingEnvironment, let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// ``databaseURL(readingEnvironment:)`` for commands that need a database.
    func requiredDatabaseURL() throws(UsageError) -> String {
        guard let url = try databaseURL() else {
            throw UsageError(message: "missing the database: give --database-url or --database-url-file, or set DATABASE_URL")
        }
        return url
    }

    /// Whether a database was named on the command line (not by the environment).
    var namesDatabase: Bool { string("database-url") != nil || string("database-url-file") != nil }

    /// The admin token from `--admin-token-file`, else from the file `MLCTL_ADMIN_TOKEN_FILE`
    /// names; nil when neither is set. At least 16 characters.
    func adminToken() throws(UsageError) -> String? {
        guard let path = string("admin-token-file") ?? ProcessInfo.processInfo.environment["MLCTL_ADMIN_TOKEN_FILE"].flatMap({ $0.isEmpty ? nil : $0 })
        else { return nil }
        let token = try Self.firstLine(ofSecretFile: path, what: "admin token")
        guard token.count >= 16 else { throw UsageError(message: "\(path): the admin token must have at least 16 characters") }
        return token
    }

    /// The first line of `path`, trimmed. The error names the file, never its contents.
    private static func firstLine(ofSecretFile path: String, what: String) throws(UsageError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw UsageError(message: "cannot read the \(what) file \(path)")
        }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let value = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw UsageError(message: "\(path): the first line, the \(what), is empty") }
        return value
    }
}
