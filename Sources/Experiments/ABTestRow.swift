import Database

/// The one mapping between `ab_tests` rows and ``ABTest``: the select list every query of a
/// test uses, and the checked decoding of its columns (and of `ab_assignments.variant`) by name.
///
/// Decoding holds each value to the domain the table's CHECK constraints give it (a split of
/// 1…99 %, a known status and metric, α in (0, 0.5), a positive effect), because the analysis
/// traps on values outside them: a table whose constraints were dropped and whose rows were
/// then edited is refused with an error naming the column, not a crash.
enum ABTestRow {
    /// The columns of a test, for `SELECT` and `RETURNING` over `ab_tests`; `arms` lists the
    /// test's ``ABArm``s as ``ABArm/parseList(_:)`` reads them (NULL: the two arms of a test
    /// made before arms, from `control_percent`).
    static let selectList = legacySelectList + ",\n" + armsColumn

    /// The `arms` column of ``selectList``, over `ab_tests`: NULLs in the arm rows come out
    /// as text that does not read, so that they are refused, not skipped.
    static let armsColumn = """
        (SELECT string_agg(coalesce(r.arm, '?') || '=' || coalesce(r.scorer, '?') || ':' || coalesce(r.percent::text, '?'), ',' ORDER BY r.position)
         FROM ab_test_arms r WHERE r.test_name = ab_tests.name) AS arms
        """

    /// ``selectList`` for a database whose schema predates `ab_test_arms` (migration 3), which
    /// a service may run against until `mlctl db migrate` runs: every test has two arms.
    static let legacySelectList = """
        name, description, control_percent, status, primary_metric, alpha, minimum_detectable_effect,
        extract(epoch FROM started_at)::float8 AS started, extract(epoch FROM stopped_at)::float8 AS stopped
        """

    /// A test from a row of ``selectList``.
    /// - Throws: ``PostgresError`` naming the column that is missing, NULL or out of its domain.
    static func decode(_ row: PostgresRow) throws(PostgresError) -> ABTest {
        ABTest(name: try row.text("name"),
               description: try row.optionalText("description") ?? "",
               arms: try arms(row),
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

    /// `arms` (or, where it is NULL or absent, the two arms of `control_percent`): arms that
    /// ``ABArm/validate(_:)`` accepts, since the assignment and analysis rely on them.
    static func arms(_ row: PostgresRow) throws(PostgresError) -> [ABArm] {
        let listed = row.columns.contains("arms") ? try row.optionalValue("arms", expected: "2-8 arms name=scorer:percent summing to 100") { text in
            (try? ABArm.parseList(text)).flatMap { ABArm.validate($0) == nil ? $0 : nil }
        } : nil
        if let listed { return listed }
        return ABArm.controlAndTreatment(controlPercent: try controlPercent(row))
    }

    /// `control_percent`: a whole percentage from 1 to 99 (the assignment multiplies it).
    static func controlPercent(_ row: PostgresRow) throws(PostgresError) -> Int {
        try row.value("control_percent", expected: "a whole percentage from 1 to 99") { Int($0).flatMap { (1...99).contains($0) ? $0 : nil } }
    }

    /// `status`: running or stopped.
    static func status(_ row: PostgresRow) throws(PostgresError) -> ABTest.Status {
        try row.value("status", expected: "running or stopped") { ABTest.Status(rawValue: $0) }
    }

    /// `variant` of an assignment: the name of one of `arms`.
    static func variant(_ row: PostgresRow, arms: [ABArm]) throws(PostgresError) -> String {
        try row.value("variant", expected: armNames(arms)) { name in arms.contains { $0.name == name } ? name : nil }
    }

    /// `variant` of an assignment that may not exist: `nil` for NULL.
    static func optionalVariant(_ row: PostgresRow, arms: [ABArm]) throws(PostgresError) -> String? {
        try row.optionalValue("variant", expected: armNames(arms)) { name in arms.contains { $0.name == name } ? name : nil }
    }

    private static func armNames(_ arms: [ABArm]) -> String { "one of the test's arms (" + arms.map(\.name).joined(separator: ", ") + ")" }
}
