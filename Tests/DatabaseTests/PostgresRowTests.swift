import Testing
@testable import Database

/// Reading result values by column name: the conversions, and the errors that name the
/// column and value instead of trapping. No server needed (PostgresConnectionTests reads a
/// real result).
struct PostgresRowTests {
    private static let result = PostgresResult(
        columns: ["id", "name", "share", "active", "note", "count"],
        rows: [["42", "scoring_v2", "0.25", "t", nil, "7"],
               ["-9223372036854775808", "", "NaN", "f", "x", "0"]])

    @Test func valuesAreReadByNameWhateverTheirPosition() throws {
        let row = Self.result[0]
        #expect(try row.int64("id") == 42)
        #expect(try row.text("name") == "scoring_v2")
        #expect(try row.double("share") == 0.25)
        #expect(try row.bool("active") == true)
        #expect(try row.optionalText("note") == nil)
        #expect(try row.optionalInt64("note") == nil)
        #expect(try row.optionalDouble("note") == nil)
        #expect(try row.optionalBool("note") == nil)
        #expect(try row.int("count") == 7)
        let second = Self.result[1]
        #expect(try second.int64("id") == Int64.min)
        #expect(try second.text("name") == "")
        #expect(try second.double("share").isNaN)
        #expect(try second.bool("active") == false)
        #expect(try second.optionalText("note") == "x")
        #expect(Self.result.map { $0.columns.count } == [6, 6])
        #expect(Self.result.value(0, "name") == "scoring_v2" && Self.result.value(0, "nope") == nil)
    }

    @Test func postgreSQLsSpecialFloatSpellingsAreNumbers() throws {
        let result = PostgresResult(columns: ["x"], rows: [["Infinity"], ["-Infinity"], ["1e-300"], ["123.5"]])
        #expect(try result.map { try $0.double("x") } == [.infinity, -.infinity, 1e-300, 123.5])
    }

    /// Each way a value can fail, with the error it must give.
    @Test(arguments: [
        ("missing column", { @Sendable (row: PostgresRow) in _ = try row.int64("identifier") },
         PostgresError.missingColumn(name: "identifier", columns: ["id", "name", "share", "active", "note", "count"])),
        ("missing column, optional", { @Sendable (row: PostgresRow) in _ = try row.optionalText("renamed") },
         .missingColumn(name: "renamed", columns: ["id", "name", "share", "active", "note", "count"])),
        ("NULL text", { @Sendable (row: PostgresRow) in _ = try row.text("note") }, .unexpectedValue(column: "note", value: nil, expected: "a value")),
        ("NULL integer", { @Sendable (row: PostgresRow) in _ = try row.int64("note") }, .unexpectedValue(column: "note", value: nil, expected: "an integer")),
        ("NULL number", { @Sendable (row: PostgresRow) in _ = try row.double("note") }, .unexpectedValue(column: "note", value: nil, expected: "a number")),
        ("NULL boolean", { @Sendable (row: PostgresRow) in _ = try row.bool("note") }, .unexpectedValue(column: "note", value: nil, expected: "a boolean (t or f)")),
        ("bad integer", { @Sendable (row: PostgresRow) in _ = try row.int64("name") }, .unexpectedValue(column: "name", value: "scoring_v2", expected: "an integer")),
        ("fraction as integer", { @Sendable (row: PostgresRow) in _ = try row.int("share") }, .unexpectedValue(column: "share", value: "0.25", expected: "an integer")),
        ("bad optional integer", { @Sendable (row: PostgresRow) in _ = try row.optionalInt64("name") }, .unexpectedValue(column: "name", value: "scoring_v2", expected: "an integer")),
        ("bad number", { @Sendable (row: PostgresRow) in _ = try row.optionalDouble("name") }, .unexpectedValue(column: "name", value: "scoring_v2", expected: "a number")),
        ("bad boolean", { @Sendable (row: PostgresRow) in _ = try row.optionalBool("id") }, .unexpectedValue(column: "id", value: "42", expected: "a boolean (t or f)")),
        ("out of domain", { @Sendable (row: PostgresRow) in _ = try row.value("id", expected: "1 to 10") { Int($0).flatMap { (1...10).contains($0) ? $0 : nil } } },
         .unexpectedValue(column: "id", value: "42", expected: "1 to 10")),
    ] as [(String, @Sendable (PostgresRow) throws -> Void, PostgresError)])
    func aBadValueThrowsAnErrorNamingItsColumn(_ name: String, read: @Sendable (PostgresRow) throws -> Void, expected: PostgresError) {
        do {
            try read(Self.result[0])
            Issue.record("\(name): no error")
        } catch let error as PostgresError {
            #expect(error.description == expected.description, "\(name)")
            #expect(error.isUnreadableResult && !error.isConnectionProblem, "\(name)")
        } catch {
            Issue.record("\(name): \(error)")
        }
    }

    @Test func errorMessagesNameTheColumnAndTheValue() {
        #expect(PostgresError.unexpectedValue(column: "control_percent", value: nil, expected: "an integer").description
                == "PostgreSQL result column 'control_percent' is NULL, expected an integer")
        #expect(PostgresError.unexpectedValue(column: "alpha", value: String(repeating: "x", count: 100), expected: "a number").description
                == "PostgreSQL result column 'alpha' holds '\(String(repeating: "x", count: 64))', expected a number")
        #expect(PostgresError.missingColumn(name: "alpha", columns: ["name", "significance"]).description
                == "PostgreSQL result has no column 'alpha' (it has name, significance)")
    }
}
