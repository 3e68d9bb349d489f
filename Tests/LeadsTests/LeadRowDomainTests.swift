import Testing
@testable import Leads

/// ``LeadRow/decode(_:)`` is the one validation of a lead: each field takes only values of
/// its domain, as the database prints them or a JSON body gives them, and names the field
/// otherwise.
@Suite struct LeadRowDomainTests {
    static func row(_ field: String, _ value: String?) -> [String?] {
        var values: [String?] = Array(repeating: nil, count: LeadRow.columns.count)
        values[0] = "9"; values[1] = "pc"; values[2] = "1700000000"; values[22] = "4"
        values[LeadRow.columns.firstIndex(of: field)!] = value
        return values
    }

    @Test(arguments: [
        ("created_at", "-1e300"), ("created_at", "1e24"), ("created_at", "Infinity"), ("created_at", "NaN"), ("created_at", "0x10"),
        ("converted_at", "-210866803201"), ("vertical", "auto"), ("vertical", ""), ("vertical", nil), ("id", "9223372036854775808"),
        ("pages_visited", "-1"), ("pages_visited", "2147483648"), ("pages_visited", "1.5"), ("pages_visited", "+3"),
        ("time_on_site_s", "-0.001"), ("time_on_site_s", "inf"), ("time_on_site_s", "1e+300"), ("time_on_site_s", "0x10"),
        ("time_on_site_s", " 3"), ("revenue", "-3.5e38"), ("agent_avg_response_time_s", "-1"), ("agent_conversion_rate", "1.01"),
        ("agent_rating", "5.5"), ("agent_rating", "NaN"), ("form_completed", "maybe"),
    ] as [(String, String?)])
    func valuesOutsideTheDomainNameTheField(field: String, value: String?) {
        #expect {
            _ = try LeadRow.decode(Self.row(field, value))
        } throws: { error in
            (error as? LeadRow.DecodingError)?.field == field
        }
    }

    @Test(arguments: [
        ("created_at", "-210866803200"), ("created_at", "9224318016000"), ("created_at", "2026-01-01 10:00:00+00"),
        ("vertical", "Health"), ("pages_visited", "0"), ("pages_visited", "2147483647"), ("pages_visited", "1e2"),
        ("time_on_site_s", "-0"), ("time_on_site_s", "1e-400"), ("time_on_site_s", "3.4e38"), ("revenue", "-12.50"),
        ("agent_conversion_rate", "1"), ("agent_rating", "0"), ("agent_avg_response_time_s", "1e+05"),
    ] as [(String, String?)])
    func valuesInsideTheDomainDecode(field: String, value: String?) throws {
        _ = try LeadRow.decode(Self.row(field, value))
    }

    @Test func anAgentsValuesNeedItsID() throws {
        var values = Self.row("agent_rating", "4")
        values[22] = nil
        #expect(throws: LeadRow.DecodingError.self) { _ = try LeadRow.decode(values) }
        values[22] = "4"
        #expect(try LeadRow.decode(values).agent?.rating == 4)
    }

    /// A row of another length (a changed SELECT list) is an error, not a trap that ends the server.
    @Test(arguments: [LeadRow.columns.count - 1, LeadRow.columns.count + 1, 0])
    func aRowOfAnotherLengthIsRefused(count: Int) {
        let values = Array(Self.row("id", "9").prefix(count)) + Array(repeating: nil, count: max(0, count - LeadRow.columns.count))
        #expect {
            _ = try LeadRow.decode(values)
        } throws: { error in
            (error as? LeadRow.DecodingError)?.description == "lead ?: field 'row' has an invalid value '\(count) values': a lead row has 30 values"
        }
    }
}
