import Database
import Evaluation
import Foundation
import Training

/// A/B tests, their arms and assignments in PostgreSQL (`ab_tests`, `ab_test_arms`,
/// `ab_assignments`, schema migrations 2 and 3), and the outcomes of their leads for the analysis. Every value reaches SQL
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

    /// Creates a running test with its arms. `startedAt` (seconds since 1970) back-dates it
    /// (simulations). Runs in a transaction of its own (not inside another), so that a test
    /// whose row reads back wrong is not kept. Whether a registry version an arm names exists
    /// is for the caller to check (the service loads it; `mlctl ab create --models` looks).
    public func create(_ definition: ABTestDefinition, startedAt: Double? = nil) throws -> ABTest {
        if let problem = definition.validate() { throw ABTestError.invalid(problem) }
        let arms = definition.arms
        return try connection.transaction {
            let inserted = try connection.query("""
                INSERT INTO ab_tests (name, description, control_percent, treatment_percent, primary_metric, alpha, minimum_detectable_effect, started_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce(to_timestamp($8::float8), now()))
                ON CONFLICT (name) DO NOTHING
                RETURNING name
                """, [definition.name, definition.description, String(arms[0].percent), String(100 - arms[0].percent),
                      definition.primaryMetric.rawValue, "\(definition.alpha)", "\(definition.minimumDetectableEffect)", startedAt.map { "\($0)" }])
            guard !inserted.isEmpty else { throw ABTestError.duplicate(definition.name) }
            try connection.query("""
                INSERT INTO ab_test_arms (test_name, position, arm, scorer, percent)
                SELECT $1, a.position - 1, a.arm, a.scorer, a.percent
                FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS a(arm, scorer, percent, position)
                """, [definition.name, PostgresArray.literal(arms.map(\.name)), PostgresArray.literal(arms.map(\.scorer.description)),
                      PostgresArray.literal(arms.map { String($0.percent) }, quoted: false)])
            return try test(named: definition.name)
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
    /// A database whose schema predates the arms (migration 3) still answers, with each test's
    /// two arms, until `mlctl db migrate` runs.
    public func runningTest() throws -> ABTest? {
        for columns in [Self.columns, ABTestRow.legacySelectList] {
            let result = Result { () throws(PostgresError) -> PostgresResult in
                try connection.queryPrepared("SELECT \(columns) FROM ab_tests WHERE status = 'running' ORDER BY started_at DESC, name LIMIT 1", [])
            }
            if case .failure(.server(let sqlState, _, _)) = result, sqlState == "42P01" { continue }  // undefined_table
            return try result.get().first.map { try ABTestRow.decode($0) }
        }
        return nil
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

    /// The arm of `leadID` in test `name`. A running test stores the assignment on first call
    /// (``ABAssignment``) and returns the stored one afterwards; a stopped test keeps the leads
    /// it assigned and gives every other lead the control, without storing it.
    /// It reads only what assignment needs (status and arms), so damage elsewhere in the
    /// test's row does not stop it.
    /// - Returns: the arm and whether the lead is in the test (stored).
    public func assign(testName name: String, leadID: Int64) throws -> (arm: ABArm, inTest: Bool) {
        guard let testRow = try connection.query("SELECT status, control_percent, \(ABTestRow.armsColumn) FROM ab_tests WHERE name = $1", [name]).first else {
            throw ABTestError.notFound(name)
        }
        let arms = try ABTestRow.arms(testRow)
        _ = try ABTestRow.status(testRow)
        let assigned = arms[ABAssignment.armIndex(bucket: ABAssignment.bucket(testName: name, leadID: leadID), percents: arms.map(\.percent))]
        let result = try connection.query("""
            WITH inserted AS (
                INSERT INTO ab_assignments (test_name, lead_id, variant)
                SELECT name, $2, $3 FROM ab_tests WHERE name = $1 AND status = 'running'
                ON CONFLICT (test_name, lead_id) DO NOTHING
                RETURNING variant)
            SELECT (SELECT status FROM ab_tests WHERE name = $1) AS status,
                   coalesce((SELECT variant FROM inserted),
                            (SELECT variant FROM ab_assignments a WHERE a.test_name = $1 AND a.lead_id = $2)) AS variant
            """, [name, String(leadID), assigned.name])
        guard let row = result.first else { throw ABTestError.notFound(name) }
        if let stored = try ABTestRow.optionalVariant(row, arms: arms) { return (arms.first { $0.name == stored }!, true) }
        if try ABTestRow.status(row) == .running {
            // A concurrent first assignment committed between our snapshot and our insert; the
            // hash is deterministic, so it stored this same arm.
            return (assigned, true)
        }
        return (arms[0], false)
    }

    /// Each arm's outcomes now (in the test's arm order), and the running totals of every arm
    /// at the end of each UTC day of assignment (the looks of the always-valid test). A lead
    /// counts with the outcome it has now, on the day it was assigned.
    /// With `vertical`, only that vertical's leads count.
    public func outcomes(of test: ABTest, vertical: String? = nil) throws -> (arms: [VariantOutcome], looks: [[VariantTotals]]) {
        let onlyVertical = vertical == nil ? "" : "AND l.vertical = $2"
        let parameters = [test.name] + (vertical.map { [$0] } ?? [])
        let hours = "extract(epoch FROM l.converted_at - l.created_at) / 3600"
        let converted = "l.converted AND l.converted_at IS NOT NULL"
        let summary = try connection.query("""
            SELECT a.variant, \(Self.totalsList),
                   count(*) FILTER (WHERE \(converted)) AS timed_conversions,
                   avg(\(hours)) FILTER (WHERE \(converted))::float8 AS hours_mean,
                   var_samp(\(hours)) FILTER (WHERE \(converted))::float8 AS hours_variance,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY \(hours)) FILTER (WHERE \(converted)) AS hours_median
            FROM ab_assignments a JOIN leads l ON l.id = a.lead_id
            WHERE a.test_name = $1 \(onlyVertical)
            GROUP BY a.variant
            """, parameters)
        let position = Dictionary(uniqueKeysWithValues: test.arms.enumerated().map { ($1.name, $0) })
        var outcomes = test.arms.map { arm in
            VariantOutcome(name: arm.name, totals: VariantTotals(), timeToConversionHours: MeanSample(count: 0, mean: .nan, variance: 0),
                           medianTimeToConversionHours: nil)
        }
        for row in summary {
            let arm = try ABTestRow.variant(row, arms: test.arms)
            outcomes[position[arm]!] = VariantOutcome(
                name: arm, totals: try Self.totals(row),
                timeToConversionHours: MeanSample(count: try row.int("timed_conversions"), mean: try row.optionalDouble("hours_mean") ?? .nan,
                                                  variance: try row.optionalDouble("hours_variance") ?? 0),
                medianTimeToConversionHours: try row.optionalDouble("hours_median"))
        }
        let daily = try connection.query("""
            SELECT (a.assigned_at AT TIME ZONE 'UTC')::date AS day, a.variant, \(Self.totalsList)
            FROM ab_assignments a JOIN leads l ON l.id = a.lead_id
            WHERE a.test_name = $1 \(onlyVertical)
            GROUP BY 1, 2 ORDER BY 1, 2
            """, parameters)
        var looks: [[VariantTotals]] = []
        var running = Array(repeating: VariantTotals(), count: test.arms.count)
        var currentDay: String?
        for row in daily {
            let day = try row.text("day")
            if day != currentDay, currentDay != nil { looks.append(running) }
            currentDay = day
            let index = position[try ABTestRow.variant(row, arms: test.arms)]!
            running[index] = running[index] + (try Self.totals(row))
        }
        if currentDay != nil { looks.append(running) }
        return (outcomes, looks)
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
    /// The analysis includes one per vertical among the test's leads (``ABTestAnalysis/verticals``;
    /// a lead without a vertical counts in the whole test only).
    public func results(of name: String) throws -> (test: ABTest, analysis: ABTestAnalysis) {
        let test = try test(named: name)
        let (arms, looks) = try outcomes(of: test)
        var analysis = ABTestAnalysis(test: test, arms: arms, looks: looks)
        let verticals = try connection.query("""
            SELECT DISTINCT l.vertical FROM ab_assignments a JOIN leads l ON l.id = a.lead_id
            WHERE a.test_name = $1 AND l.vertical IS NOT NULL ORDER BY 1
            """, [name]).map { try $0.text("vertical") }
        for vertical in verticals {
            let (arms, looks) = try outcomes(of: test, vertical: vertical)
            analysis.verticals.append((vertical, ABTestAnalysis(test: test, arms: arms, looks: looks)))
        }
        return (test, analysis)
    }
}
