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
        Migration(version: 2, name: "A/B tests", sql: """
            CREATE TABLE ab_tests (
                name                      TEXT PRIMARY KEY,
                description               TEXT NOT NULL DEFAULT '',
                control_percent           INTEGER NOT NULL CHECK (control_percent BETWEEN 1 AND 99),
                treatment_percent         INTEGER NOT NULL CHECK (treatment_percent BETWEEN 1 AND 99),
                status                    TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'stopped')),
                primary_metric            TEXT NOT NULL DEFAULT 'conversion_rate'
                                          CHECK (primary_metric IN ('conversion_rate', 'acceptance_rate', 'revenue_per_lead')),
                alpha                     DOUBLE PRECISION NOT NULL DEFAULT 0.05 CHECK (alpha > 0 AND alpha < 0.5),
                minimum_detectable_effect DOUBLE PRECISION NOT NULL DEFAULT 0.1 CHECK (minimum_detectable_effect > 0),
                started_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
                stopped_at                TIMESTAMPTZ,
                CHECK (control_percent + treatment_percent = 100),
                CHECK ((status = 'stopped') = (stopped_at IS NOT NULL))
            );
            CREATE TABLE ab_assignments (
                test_name     TEXT NOT NULL REFERENCES ab_tests (name),
                lead_id       BIGINT NOT NULL,
                variant       TEXT NOT NULL CHECK (variant IN ('control', 'treatment')),
                assigned_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
                scored_at     TIMESTAMPTZ,
                score         DOUBLE PRECISION,
                quality       TEXT,
                model_version TEXT,
                PRIMARY KEY (test_name, lead_id)
            );
            COMMENT ON TABLE ab_assignments IS 'one row per lead and test, written on the first assignment and never changed, except the scoring columns';
            COMMENT ON COLUMN ab_assignments.lead_id IS 'leads.id; no foreign key: another service may assign a lead before it is loaded';
            CREATE INDEX ab_assignments_test_assigned_at_idx ON ab_assignments (test_name, assigned_at);
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
