import Database
import Evaluation
import Foundation
import Training

/// A/B tests and their assignments in PostgreSQL (`ab_tests`, `ab_assignments`, schema
/// migration 2), and the outcomes of their leads for the analysis. Every value reaches SQL
/// as a parameter. Each operation is a single statement (create and stop: one transaction
/// with the reading of the row they return), so concurrent callers (service workers, the
/// CLI, other services) never see half of one.
///
/// Values are read by column name (``PostgresRow``) and held to their columns' domains: a
/// NULL, a value out of its domain or a missing column throws ``PostgresError``, and a write
/// whose returned row cannot be read is rolled back.
public struct ABTestStore {
    public let connection: PostgresConnection

    public init(_ connection: PostgresConnection) { self.connection = connection }

    private static let columns = ABTestRow.selectList

    /// Creates a running test. `startedAt` (seconds since 1970) back-dates it (simulations).
    /// Runs in a transaction of its own (not inside another), so that a test whose row reads
    /// back wrong is not kept.
    public func create(_ definition: ABTestDefinition, startedAt: Double? = nil) throws -> ABTest {
        if let problem = definition.validate() { throw ABTestError.invalid(problem) }
        return try connection.transaction {
            let result = try connection.query("""
                INSERT INTO ab_tests (name, description, control_percent, treatment_percent, primary_metric, alpha, minimum_detectable_effect, started_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce(to_timestamp($8::float8), now()))
                ON CONFLICT (name) DO NOTHING
                RETURNING \(Self.columns)
                """, [definition.name, definition.description, String(definition.split["control"]!), String(definition.split["treatment"]!),
                      definition.primaryMetric.rawValue, "\(definition.alpha)", "\(definition.minimumDetectableEffect)", startedAt.map { "\($0)" }])
            guard let row = result.first else { throw ABTestError.duplicate(definition.name) }
            return try ABTestRow.decode(row)
        }
    }

    /// All tests, newest first.
    public func list() throws -> [ABTest] {
        try connection.query("SELECT \(Self.columns) FROM ab_tests ORDER BY started_at DESC, name").map { try ABTestRow.decode($0) }
    }

    /// The test called `name`.
    public func test(named name: String) throws -> ABTest {
        guard let row = try connection.query("SELECT \(Self.columns) FROM ab_tests WHERE name = $1", [name]).first else {
            throw ABTestError.notFound(name)
        }
        return try ABTestRow.decode(row)
    }

    /// The test that scores leads now: the most recently started running one; `nil` when none
    /// runs or the database predates the A/B schema.
    public func runningTest() throws -> ABTest? {
        let result = Result { () throws(PostgresError) -> PostgresResult in
            try connection.queryPrepared("SELECT \(Self.columns) FROM ab_tests WHERE status = 'running' ORDER BY started_at DESC, name LIMIT 1", [])
        }
        if case .failure(.server(let sqlState, _, _)) = result, sqlState == "42P01" { return nil }  // undefined_table
        return try result.get().first.map { try ABTestRow.decode($0) }
    }

    /// Stops a running test (`at`: seconds since 1970, default now). Its assignments stay.
    /// Runs in a transaction of its own (not inside another), so that a test whose row reads
    /// back wrong stays running.
    @discardableResult
    public func stop(_ name: String, at time: Double? = nil) throws -> ABTest {
        try connection.transaction {
            let result = try connection.query("""
                UPDATE ab_tests SET status = 'stopped', stopped_at = coalesce(to_timestamp($2::float8), now())
                WHERE name = $1 AND status = 'running' RETURNING \(Self.columns)
                """, [name, time.map { "\($0)" }])
            if let row = result.first { return try ABTestRow.decode(row) }
            _ = try test(named: name)
            throw ABTestError.alreadyStopped(name)
        }
    }

    /// The variant of `leadID` in test `name`. A running test stores the assignment on first
    /// call (``ABAssignment``) and returns the stored one afterwards; a stopped test keeps the
    /// leads it assigned and gives every other lead the control, without storing it.
    /// A test whose `control_percent` is out of its domain stores nothing and throws.
    /// - Returns: the variant and whether the lead is in the test (stored).
    public func assign(testName name: String, leadID: Int64) throws -> (variant: ABVariant, inTest: Bool) {
        let bucket = ABAssignment.bucket(testName: name, leadID: leadID)
        let result = try connection.query("""
            WITH t AS (SELECT name, status, control_percent FROM ab_tests WHERE name = $1),
            inserted AS (
                INSERT INTO ab_assignments (test_name, lead_id, variant)
                SELECT name, $2, CASE WHEN $3::int < control_percent * 100 THEN 'control' ELSE 'treatment' END
                FROM t WHERE status = 'running' AND control_percent BETWEEN 1 AND 99
                ON CONFLICT (test_name, lead_id) DO NOTHING
                RETURNING variant)
            SELECT t.status, t.control_percent,
                   coalesce((SELECT variant FROM inserted),
                            (SELECT variant FROM ab_assignments a WHERE a.test_name = $1 AND a.lead_id = $2)) AS variant
            FROM t
            """, [name, String(leadID), String(bucket)])
        guard let row = result.first else { throw ABTestError.notFound(name) }
        let status = try ABTestRow.status(row)
        let controlPercent = try ABTestRow.controlPercent(row)
        if let stored = try ABTestRow.optionalVariant(row) { return (stored, true) }
        if status == .running {
            // A concurrent first assignment committed between our snapshot and our insert; the
            // hash is deterministic, so it stored this same variant.
            return (ABAssignment.variant(bucket: bucket, controlPercent: controlPercent), true)
        }
        return (.control, false)
    }

    /// Each variant's outcomes now, and the running totals at the end of each UTC day of
    /// assignment (the looks of the always-valid test). A lead counts with the outcome it has
    /// now, on the day it was assigned.
    public func outcomes(of test: ABTest) throws -> (control: VariantOutcome, treatment: VariantOutcome,
                                                     looks: [(control: VariantTotals, treatment: VariantTotals)]) {
        let hours = "extract(epoch FROM l.converted_at - l.created_at) / 3600"
        let converted = "l.converted AND l.converted_at IS NOT NULL"
        let summary = try connection.query("""
            SELECT a.variant, \(Self.totalsList),
                   count(*) FILTER (WHERE \(converted)) AS timed_conversions,
                   avg(\(hours)) FILTER (WHERE \(converted))::float8 AS hours_mean,
                   var_samp(\(hours)) FILTER (WHERE \(converted))::float8 AS hours_variance,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY \(hours)) FILTER (WHERE \(converted)) AS hours_median
            FROM ab_assignments a JOIN leads l ON l.id = a.lead_id
            WHERE a.test_name = $1
            GROUP BY a.variant
            """, [test.name])
        var outcomes: [ABVariant: VariantOutcome] = [:]
        for row in summary {
            let variant = try ABTestRow.variant(row)
            outcomes[variant] = VariantOutcome(
                name: variant.rawValue, totals: try Self.totals(row),
                timeToConversionHours: MeanSample(count: try row.int("timed_conversions"), mean: try row.optionalDouble("hours_mean") ?? .nan,
                                                  variance: try row.optionalDouble("hours_variance") ?? 0),
                medianTimeToConversionHours: try row.optionalDouble("hours_median"))
        }
        let daily = try connection.query("""
            SELECT (a.assigned_at AT TIME ZONE 'UTC')::date AS day, a.variant, \(Self.totalsList)
            FROM ab_assignments a JOIN leads l ON l.id = a.lead_id
            WHERE a.test_name = $1
            GROUP BY 1, 2 ORDER BY 1, 2
            """, [test.name])
        var looks: [(control: VariantTotals, treatment: VariantTotals)] = []
        var running = (control: VariantTotals(), treatment: VariantTotals())
        var currentDay: String?
        for row in daily {
            let day = try row.text("day")
            if day != currentDay, currentDay != nil { looks.append(running) }
            currentDay = day
            switch try ABTestRow.variant(row) {
            case .control: running.control = running.control + (try Self.totals(row))
            case .treatment: running.treatment = running.treatment + (try Self.totals(row))
            }
        }
        if currentDay != nil { looks.append(running) }
        func empty(_ name: String) -> VariantOutcome {
            VariantOutcome(name: name, totals: VariantTotals(), timeToConversionHours: MeanSample(count: 0, mean: .nan, variance: 0), medianTimeToConversionHours: nil)
        }
        return (outcomes[.control] ?? empty("control"), outcomes[.treatment] ?? empty("treatment"), looks)
    }

    /// The aggregates of ``totals(_:)`` over `a` (assignments) joined to `l` (leads).
    private static let totalsList = """
        count(*) AS leads, count(*) FILTER (WHERE l.converted) AS conversions, count(*) FILTER (WHERE l.accepted) AS accepted,
        coalesce(sum(l.revenue), 0)::float8 AS revenue, coalesce(sum(l.revenue * l.revenue), 0)::float8 AS revenue_squares
        """

    private static func totals(_ row: PostgresRow) throws(PostgresError) -> VariantTotals {
        VariantTotals(leads: try row.int("leads"), conversions: try row.int("conversions"), accepted: try row.int("accepted"),
                      revenue: try row.double("revenue"), revenueSquares: try row.double("revenue_squares"))
    }

    /// The test called `name` and its analysis.
    public func results(of name: String) throws -> (test: ABTest, analysis: ExperimentAnalysis) {
        let test = try test(named: name)
        let (control, treatment, looks) = try outcomes(of: test)
        return (test, ExperimentAnalysis(plan: test.plan, control: control, treatment: treatment, looks: looks, stopped: test.status == .stopped))
    }
}
