/// The lead database schema as an ordered list of versioned migrations.
///
/// Each migration runs once, in its own transaction, and is recorded in `schema_migrations`;
/// applying the list again changes nothing (idempotent). Migrations are never edited once
/// released: a change is a new migration at the end. A transaction-level advisory lock keeps
/// two `mlctl db migrate` runs from racing.
public enum LeadSchema {
    /// One schema change.
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
    }

    /// All migrations, in order.
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "leads and agents", sql: """
            CREATE TABLE agents (
                id                   BIGINT PRIMARY KEY,
                name                 TEXT,
                avg_response_time_s  DOUBLE PRECISION,
                conversion_rate      DOUBLE PRECISION,
                rating               DOUBLE PRECISION
            );
            CREATE TABLE leads (
                id               BIGSERIAL PRIMARY KEY,
                vertical         TEXT NOT NULL,
                created_at       TIMESTAMPTZ NOT NULL,
                email            TEXT,
                phone            TEXT,
                first_name       TEXT,
                last_name        TEXT,
                address          TEXT,
                zipcode          TEXT,
                state            TEXT,
                form_completed   BOOLEAN,
                quote_requested  BOOLEAN,
                pages_visited    INTEGER,
                time_on_site_s   DOUBLE PRECISION,
                return_visitor   BOOLEAN,
                mobile           BOOLEAN,
                source           TEXT,
                insurance_type   TEXT,
                browser          TEXT,
                utm_source       TEXT,
                utm_medium       TEXT,
                utm_campaign     TEXT,
                agent_id         BIGINT,
                accepted         BOOLEAN,
                converted        BOOLEAN,
                converted_at     TIMESTAMPTZ,
                revenue          NUMERIC(12, 2),
                ml_score         DOUBLE PRECISION,
                ml_quality       TEXT,
                ml_model_version TEXT,
                scored_at        TIMESTAMPTZ
            );
            COMMENT ON COLUMN leads.agent_id IS 'agents.id; no foreign key, so bulk loads stay fast and leads outlive agents';
            CREATE INDEX leads_created_at_idx ON leads (created_at);
            CREATE INDEX leads_vertical_created_at_idx ON leads (vertical, created_at);
            """),
    ]

    /// The newest schema version.
    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies the migrations that `connection`'s database lacks; returns the versions applied.
    @discardableResult
    public static func migrate(_ connection: PostgresConnection) throws -> [Int] {
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
                guard existing.rows.isEmpty else { return false }
                try connection.query(migration.sql)
                try connection.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                     [String(migration.version), migration.name])
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        return applied
    }

    /// The versions recorded in the database (empty before the first migration).
    public static func appliedVersions(_ connection: PostgresConnection) throws -> [Int] {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        guard exists.rows.first?.first == "t" else { return [] }
        return try connection.query("SELECT version FROM schema_migrations ORDER BY version").rows.compactMap { $0[0].flatMap(Int.init) }
    }
}
