/// One schema change: SQL applied once, recorded under its version in `schema_migrations`.
public struct SchemaMigration: Sendable {
    /// Unique across every module that contributes migrations to one database.
    public let version: Int
    /// What the change is, for people reading `schema_migrations`.
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies versioned migrations to a database: each one once, in its own transaction, recorded
/// in `schema_migrations`; applying a list again changes nothing (idempotent).
///
/// Each module owns its tables' migrations (the leads' `LeadSchema`, the A/B tests'
/// `ExperimentSchema`) and whoever needs the tables passes their lists here; versions are
/// global, so a module's list may be applied alone or together with others, in any order of
/// calls. A transaction-level advisory lock keeps two runs (two `mlctl db migrate`, or a
/// service starting beside one) from racing.
public enum SchemaMigrations {
    /// Applies those of `migrations` that `connection`'s database lacks, in the order given;
    /// returns the versions applied. - Precondition: the versions are distinct.
    @discardableResult
    public static func apply(_ migrations: [SchemaMigration], to connection: PostgresConnection) throws -> [Int] {
        precondition(Set(migrations.map(\.version)).count == migrations.count, "two migrations share a version")
        try connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """)
        var applied: [Int] = []
        for migration in migrations {
            let didApply = try connection.transaction { () throws -> Bool in
                try connection.query("SELECT pg_advisory_xact_lock(7274853)")
                let existing = try connection.query("SELECT 1 FROM schema_migrations WHERE version = $1", [String(migration.version)])
                guard existing.isEmpty else { return false }
                try connection.query(migration.sql)
                try connection.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                     [String(migration.version), migration.name])
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        return applied
    }

    /// The versions recorded in the database, ascending (empty before the first migration).
    public static func appliedVersions(_ connection: PostgresConnection) throws -> [Int] {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        guard try exists.first?.bool("present") == true else { return [] }
        return try connection.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.int("version") }
    }
}
