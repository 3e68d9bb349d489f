import Database
import Evaluation
import Foundation
import Training

/// A/B tests and their assignments in PostgreSQL (`ab_tests`, `ab_assignments`, schema
/// migration 2), and the outcomes of their leads for the analysis. Every value reaches SQL
/// as a parameter. Each operation is a single statement, so concurrent callers (service
/// workers, the CLI, other services) never see half of one.
public struct ABTestStore {
    public let connection: PostgresConnection

    public init(_ connection: PostgresConnection) { self.connection = connection }

    static let columns = """
        name, description, control_percent, status, primary_metric, alpha, minimum_detectable_effect,
        extract(epoch FROM started_at)::float8 AS started, extract(epoch FROM stopped_at)::float8 AS stopped
        """

    static func decode(_ row: [String?]) -> ABTest {
        ABTest(name: row[0]!, description: row[1] ?? "", controlPercent: Int(row[2]!)!,
               status: ABTest.Status(rawValue: row[3]!) ?? .stopped,
               primaryMetric: ExperimentMetric(rawValue: row[4]!) ?? .conversionRate,
               alpha: Double(row[5]!)!, minimumDetectableEffect: Double(row[6]!)!,
               startedAt: Double(row[7]!)!, stoppedAt: row[8].flatMap(Double.init))
    }

    /// Creates a running test. `startedAt` (seconds since 1970) back-dates it (simulations).
    public func create(_ definition: ABTestDefinition, startedAt: Double? = nil) throws -> ABTest {
        if let problem = definition.validate() { throw ABTestError.invalid(problem) }
        let result = try connection.query("""
            INSERT INTO ab_tests (name, description, control_percent, treatment_percent, primary_metric, alpha, minimum_detectable_effect, started_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce(to_timestamp($8::float8), now()))
            ON CONFLICT (name) DO NOTHING
            RETURNING \(Self.columns)
            """, [definition.name, definition.description, String(definition.split["control"]!), String(definition.split["treatment"]!),
                  definition.primaryMetric.rawValue, "\(definition.alpha)", "\(definition.minimumDetectableEffect)", startedAt.map { "\($0)" }])
        guard let row = result.rows.first else { throw ABTestError.duplicate(definition.name) }
        return Self.decode(row)
    }

    /// All tests, newest first.
    public func list() throws -> [ABTest] {
        try connection.query("SELECT \(Self.columns) FROM ab_tests ORDER BY started_at DESC, name").rows.map(Self.decode)
    }

    /// The test called `name`.
    public func test(named name: String) throws -> ABTest {
        guard let row = try connection.query("SELECT \(Self.columns) FROM ab_tests WHERE name = $1", [name]).rows.first else {
            throw ABTestError.notFound(name)
        }
        return Self.decode(row)
    }

    /// The test that scores leads now: the most recently started running one; `nil` when none
    /// runs or the database predates the A/B schema.
    public func runningTest() throws -> ABTest? {
        let result = Result { () throws(PostgresError) -> PostgresResult in
            try connection.query("SELECT \(Self.columns) FROM ab_tests WHERE status = 'running' ORDER BY started_at DESC, name LIMIT 1")
        }
        if case .failure(.server(let sqlState, _, _)) = result, sqlState == "42P01" { return nil }  // undefined_table
        return try result.get().rows.first.map(Self.decode)
    }

    /// Stops a running test (`at`: seconds since 1970, default now). Its assignments stay.
    @discardableResult
    public func stop(_ name: String, at time: Double? = nil) throws -> ABTest {
        let result = try connection.query("""
            UPDATE ab_tests SET status = 'stopped', stopped_at = coalesce(to_timestamp($2::float8), now())
            WHERE name = $1 AND status = 'running' RETURNING \(Self.columns)
            """, [name, time.map { "\($0)" }])
        if let row = result.rows.first { return Self.decode(row) }
        _ = try test(named: name)
        throw ABTestError.alreadyStopped(name)
    }

    /// The variant of `leadID` in test `name`. A running test stores the assignment on first
    /// call (``ABAssignment``) and returns the stored one afterwards; a stopped test keeps the
    /// leads it assigned and gives every other lead the control, without storing it.
    /// - Returns: the variant and whether the lead is in the test (stored).
    public func assign(testName name: String, leadID: Int64) throws -> (variant: ABVariant, inTest: Bool) {
        let bucket = ABAssignment.bucket(testName: name, leadID: leadID)
        let result = try connection.query("""
            WITH t AS (SELECT name, status, control_percent FROM ab_tests WHERE name = $1),
            inserted AS (
                INSERT INTO ab_assignments (test_name, lead_id, variant)
                SELECT name, $2, CASE WHEN $3::int < control_percent * 100 THEN 'control' ELSE 'treatment' END
                FROM t WHERE status = 'running'
                ON CONFLICT (test_name, lead_id) DO NOTHING
                RETURNING variant)
            SELECT t.status, t.control_percent,
                   coalesce((SELECT variant FROM inserted),
                            (SELECT variant FROM ab_assignments a WHERE a.test_name = $1 AND a.lead_id = $2)) AS variant
            FROM t
            """, [name, String(leadID), String(bucket)])
        guard let row = result.rows.first else { throw ABTestError.notFound(name) }
        if let stored = row[2].flatMap(ABVariant.init) { return (stored, true) }
        if row[0] == "running" {
            // A concurrent first assignment committed between our snapshot and our insert; the
            // hash is deterministic, so it stored this same variant.
            return (ABAssignment.variant(bucket: bucket, controlPercent: Int(row[1]!)!), true)
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
            SELECT a.variant, count(*),
                   count(*) FILTER (WHERE l.converted), count(*) FILTER (WHERE l.accepted),
                   coalesce(sum(l.revenue), 0)::float8, coalesce(sum(l.revenue * l.revenue), 0)::float8,
                   count(*) FILTER (WHERE \(converted)),
                   avg(\(hours)) FILTER (WHERE \(converted))::float8,
                   var_samp(\(hours)) FILTER (WHERE \(converted))::float8,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY \(hours)) FILTER (WHERE \(converted))
            FROM ab_assignments a JOIN leads l ON l.id = a.lead_id
            WHERE a.test_name = $1
            GROUP BY a.variant
            """, [test.name])
        var outcomes: [ABVariant: VariantOutcome] = [:]
        for row in summary.rows {
            guard let variant = row[0].flatMap(ABVariant.init) else { continue }
            outcomes[variant] = VariantOutcome(
                name: variant.rawValue, totals: Self.totals(row, from: 1),
                timeToConversionHours: MeanSample(count: Int(row[6]!)!, mean: row[7].flatMap(Double.init) ?? .nan,
                                                  variance: row[8].flatMap(Double.init) ?? 0),
                medianTimeToConversionHours: row[9].flatMap(Double.init))
        }
        let daily = try connection.query("""
            SELECT (a.assigned_at AT TIME ZONE 'UTC')::date AS day, a.variant, count(*),
                   count(*) FILTER (WHERE l.converted), count(*) FILTER (WHERE l.accepted),
                   coalesce(sum(l.revenue), 0)::float8, coalesce(sum(l.revenue * l.revenue), 0)::float8
            FROM ab_assignments a JOIN leads l ON l.id = a.lead_id
            WHERE a.test_name = $1
            GROUP BY 1, 2 ORDER BY 1, 2
            """, [test.name])
        var looks: [(control: VariantTotals, treatment: VariantTotals)] = []
        var running = (control: VariantTotals(), treatment: VariantTotals())
        var currentDay: String?
        for row in daily.rows {
            if row[0] != currentDay, currentDay != nil { looks.append(running) }
            currentDay = row[0]
            if row[1] == "control" { running.control = running.control + Self.totals(row, from: 2) } else { running.treatment = running.treatment + Self.totals(row, from: 2) }
        }
        if currentDay != nil { looks.append(running) }
        func empty(_ name: String) -> VariantOutcome {
            VariantOutcome(name: name, totals: VariantTotals(), timeToConversionHours: MeanSample(count: 0, mean: .nan, variance: 0), medianTimeToConversionHours: nil)
        }
        return (outcomes[.control] ?? empty("control"), outcomes[.treatment] ?? empty("treatment"), looks)
    }

    private static func totals(_ row: [String?], from first: Int) -> VariantTotals {
        VariantTotals(leads: Int(row[first]!)!, conversions: Int(row[first + 1]!)!, accepted: Int(row[first + 2]!)!,
                      revenue: Double(row[first + 3]!)!, revenueSquares: Double(row[first + 4]!)!)
    }

    /// The test called `name` and its analysis.
    public func results(of name: String) throws -> (test: ABTest, analysis: ExperimentAnalysis) {
        let test = try test(named: name)
        let (control, treatment, looks) = try outcomes(of: test)
        return (test, ExperimentAnalysis(plan: test.plan, control: control, treatment: treatment, looks: looks))
    }
}
