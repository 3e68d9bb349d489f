import Database

/// The one mapping between `ab_tests` rows and ``ABTest``: the select list every query of a
/// test uses, and the checked decoding of its columns (and of `ab_assignments.variant`) by name.
///
/// Decoding holds each value to the domain the table's CHECK constraints give it (a split of
/// 1…99 %, a known status and metric, α in (0, 0.5), a positive effect), because the analysis
/// traps on values outside them: a table whose constraints were dropped and whose rows were
/// then edited is refused with an error naming the column, not a crash.
enum ABTestRow {
    /// The columns of a test, for `SELECT` and `RETURNING` over `ab_tests`.
    static let selectList = """
        name, description, control_percent, status, primary_metric, alpha, minimum_detectable_effect,
        extract(epoch FROM started_at)::float8 AS started, extract(epoch FROM stopped_at)::float8 AS stopped
        """

    /// A test from a row of ``selectList``.
    /// - Throws: ``PostgresError`` naming the column that is missing, NULL or out of its domain.
    static func decode(_ row: PostgresRow) throws(PostgresError) -> ABTest {
        ABTest(name: try row.text("name"),
               description: try row.optionalText("description") ?? "",
               controlPercent: try controlPercent(row),
               status: try status(row),
               primaryMetric: try row.value("primary_metric", expected: "one of " + ExperimentMetric.allCases.map(\.rawValue).joined(separator: ", ")) {
                   ExperimentMetric(rawValue: $0)
               },
               alpha: try row.value("alpha", expected: "a number in (0, 0.5)") { Double($0).flatMap { $0 > 0 && $0 < 0.5 ? $0 : nil } },
               minimumDetectableEffect: try row.value("minimum_detectable_effect", expected: "a positive number") {
                   Double($0).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
               },
               startedAt: try row.double("started"),
               stoppedAt: try row.optionalDouble("stopped"))
    }

    /// `control_percent`: a whole percentage from 1 to 99 (the assignment multiplies it).
    static func controlPercent(_ row: PostgresRow) throws(PostgresError) -> Int {
        try row.value("control_percent", expected: "a whole percentage from 1 to 99") { Int($0).flatMap { (1...99).contains($0) ? $0 : nil } }
    }

    /// `status`: running or stopped.
    static func status(_ row: PostgresRow) throws(PostgresError) -> ABTest.Status {
        try row.value("status", expected: "running or stopped") { ABTest.Status(rawValue: $0) }
    }

    /// `variant` of an assignment: control or treatment.
    static func variant(_ row: PostgresRow) throws(PostgresError) -> ABVariant {
        try row.value("variant", expected: "control or treatment") { ABVariant(rawValue: $0) }
    }

    /// `variant` of an assignment that may not exist: `nil` for NULL.
    static func optionalVariant(_ row: PostgresRow) throws(PostgresError) -> ABVariant? {
        try row.optionalValue("variant", expected: "control or treatment") { ABVariant(rawValue: $0) }
    }
}
