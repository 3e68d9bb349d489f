import Database

/// The A/B test tables (`ab_tests`, `ab_assignments`, `ab_test_arms`) as versioned migrations
/// for ``SchemaMigrations``. Version 2 came after the lead tables (`LeadSchema`, version 1),
/// and databases made before the modules split record it under that number; version 3 gives
/// tests any number of arms, each scored by the rules, the served model or a registry version.
public enum ExperimentSchema {
    public static let migrations: [SchemaMigration] = [
        SchemaMigration(version: 2, name: "A/B tests", sql: """
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
        SchemaMigration(version: 3, name: "A/B test arms", sql: """
            CREATE TABLE ab_test_arms (
                test_name TEXT NOT NULL REFERENCES ab_tests (name),
                position  INTEGER NOT NULL CHECK (position BETWEEN 0 AND 7),
                arm       TEXT NOT NULL CHECK (arm ~ '^[A-Za-z0-9_.-]{1,40}$'),
                scorer    TEXT NOT NULL CHECK (scorer ~ '^(rules|current|v[0-9]{1,9}(/[A-Za-z0-9_.-]{1,100})?)$'),
                percent   INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 99),
                PRIMARY KEY (test_name, position),
                UNIQUE (test_name, arm)
            );
            COMMENT ON TABLE ab_test_arms IS 'the arms of a test, control first (position 0); a test without rows here is control = rules against treatment = current';
            ALTER TABLE ab_assignments DROP CONSTRAINT ab_assignments_variant_check;
            ALTER TABLE ab_assignments ADD CONSTRAINT ab_assignments_variant_check CHECK (variant ~ '^[A-Za-z0-9_.-]{1,40}$');
            COMMENT ON COLUMN ab_assignments.variant IS 'the arm (ab_test_arms.arm)';
            """),
    ]
}
