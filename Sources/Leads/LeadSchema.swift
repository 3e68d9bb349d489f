import Database

/// The lead tables (`leads`, `agents`) as versioned migrations for ``SchemaMigrations``.
///
/// Version 1 is the leads' own; the A/B tables are the Experiments module's version 2
/// (`ExperimentSchema`). Migrations are never edited once released: a change is a new
/// migration at the end, with a version no other module uses.
public enum LeadSchema {
    /// All migrations, in order.
    public static let migrations: [SchemaMigration] = [
        SchemaMigration(version: 1, name: "leads and agents", sql: """
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
}
