import Core
import Foundation
import Leads
import Testing
import TestSupport
@testable import Serving

/// Every field of a lead and of its agent, sent with values outside every domain: the answer
/// is 200 or 422 naming the field — never a 500, never a crash — and the service keeps
/// serving. (Issue #22: `{"lead":{"created_at":-1e300}}` used to kill the process.)
@Suite struct HostileLeadTests {
    /// Extreme values, as JSON text.
    static let extremes: [String] = [
        "1e300", "-1e300", "3.5e38", "\"inf\"", "\"-inf\"", "\"nan\"", "\"Infinity\"", "1e-400", "-0", "9223372036854775808",
        "-9223372036854775809", "\"0x10\"", "\"1e39\"", "\"\"", "\" 1\"", "[]", "{}", "true", "false", "-1", "0.5",
        "\"" + String(repeating: "x", count: 100_000) + "\"",
    ]

    /// Values that no number field may accept.
    static let notNumbers: Set<String> = ["1e300", "-1e300", "3.5e38", "\"inf\"", "\"-inf\"", "\"nan\"", "\"Infinity\"",
                                          "\"0x10\"", "\"1e39\"", "\"\"", "\" 1\"", "[]", "{}"]

    /// Values that no whole-number field (ids, counts) may accept besides those.
    static let notWholeNumbers: Set<String> = ["9223372036854775808", "-9223372036854775809", "0.5", "true"]
    static let wholeNumberFields: Set<String> = ["lead.id", "lead.pages_visited", "lead.agent_id", "agent.id"]

    static let numberFields: Set<String> = ["pages_visited", "time_on_site_s", "revenue", "created_at", "converted_at",
                                            "agent.avg_response_time_s", "agent.conversion_rate", "agent.rating"]

    @Test func everyFieldTimesEveryExtremeIsAnsweredAndTheServiceSurvives() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let leadFields = LeadRow.columns.prefix(LeadRow.columns.count - 3).filter { $0 != "vertical" } + ["vertical"]
        let agentFields = ["id", "avg_response_time_s", "conversion_rate", "rating"]
        var answered = 0
        for field in leadFields.map({ ("lead", $0) }) + agentFields.map({ ("agent", $0) }) {
            for value in Self.extremes {
                let body = field.0 == "lead"
                    ? #"{"lead": {"vertical": "pc", "agent_id": 3, "\#(field.1)": \#(value)}}"#
                    : #"{"lead": {"vertical": "pc"}, "agent": {"id": 3, "\#(field.1)": \#(value)}}"#
                let response = try client.request("POST", "/api/v1/lead-scoring-ml/score", body: body)
                let name = "\(field.0).\(field.1)"
                #expect(response.status == 200 || response.status == 422, "\(name) = \(value.prefix(40)): \(response.status) \(response.text.prefix(200))")
                if response.status == 422 { #expect(response.text.contains(name), "\(name) = \(value.prefix(40)): \(response.text.prefix(200))") }
                let numeric = Self.numberFields.contains(field.1) || Self.numberFields.contains(name)
                if numeric && Self.notNumbers.contains(value) {
                    #expect(response.status == 422, "\(name) = \(value.prefix(40)) must be refused: \(response.text.prefix(200))")
                }
                if Self.wholeNumberFields.contains(name) && (Self.notNumbers.contains(value) || Self.notWholeNumbers.contains(value)) {
                    #expect(response.status == 422, "\(name) = \(value.prefix(40)) must be refused: \(response.text.prefix(200))")
                }
                answered += 1
            }
        }
        #expect(answered == (leadFields.count + agentFields.count) * Self.extremes.count)
        #expect(try client.request("GET", "/health").status == 200)
    }

    /// Values in a field's type but outside its domain, and the reproductions of issue #22.
    @Test(arguments: [
        (#"{"lead": {"vertical": "pc", "created_at": -1e300}}"#, "lead.created_at"),
        (#"{"lead": {"vertical": "pc", "created_at": "-1e30"}}"#, "lead.created_at"),
        (#"{"lead": {"vertical": "pc", "created_at": 1e24}}"#, "lead.created_at"),
        (#"{"lead": {"vertical": "auto"}}"#, "lead.vertical"),
        (#"{"lead": {}}"#, "lead.vertical"),
        (#"{"lead": {"vertical": "pc", "pages_visited": -1}}"#, "lead.pages_visited"),
        (#"{"lead": {"vertical": "pc", "pages_visited": 2147483648}}"#, "lead.pages_visited"),
        (#"{"lead": {"vertical": "pc", "time_on_site_s": -0.5}}"#, "lead.time_on_site_s"),
        (#"{"lead": {"vertical": "pc", "time_on_site_s": "0x10"}}"#, "lead.time_on_site_s"),
        (#"{"lead": {"vertical": "pc"}, "agent": {"rating": 4}}"#, "agent.rating"),
        (#"{"lead": {"vertical": "pc", "agent_id": 2}, "agent": {"conversion_rate": 1.5}}"#, "agent.conversion_rate"),
        (#"{"lead": {"vertical": "pc", "agent_id": 2}, "agent": {"rating": 6}}"#, "agent.rating"),
        (#"{"lead": {"vertical": "pc", "pagesVisited": 3}}"#, "lead.pagesVisited"),
        (#"{"lead": {"vertical": "pc"}, "agent": {"id": 2, "ratting": 3}}"#, "agent.ratting"),
        (#"{"lead": {"vertical": "pc"}, "useVerticalModle": false}"#, "useVerticalModle"),
    ])
    func outOfDomainValuesAreRefusedByName(body: String, field: String) throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let response = try TestHTTPClient(port: server.port).request("POST", "/api/v1/lead-scoring-ml/score", body: body)
        #expect(response.status == 422 && response.text.contains(field), "\(body): \(response.text)")
    }

    /// Unknown fields are skipped with `?extra_fields=ignore`; the columns of `leads` that
    /// scoring does not read and agent columns in the lead are taken as they are.
    @Test func extraFieldsCanBeIgnoredAndTableColumnsAreAccepted() throws {
        let (server, _) = try ServingFixture.start()
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let score = "/api/v1/lead-scoring-ml/score"
        let extra = #"{"lead": {"vertical": "pc", "crm_owner": "x", "pages_visited": 3}}"#
        #expect(try client.request("POST", score, body: extra).status == 422)
        let ignored = try client.request("POST", score + "?extra_fields=ignore", body: extra)
        let plain = try client.request("POST", score, body: #"{"lead": {"vertical": "pc", "pages_visited": 3, "created_at": 1700000000}}"#)
        let ignoredSame = try client.request("POST", score + "?extra_fields=ignore",
                                             body: #"{"lead": {"vertical": "pc", "crm_owner": "x", "pages_visited": 3, "created_at": 1700000000}}"#)
        #expect(ignored.status == 200 && ignoredSame.json?["score"] == plain.json?["score"])
        #expect(try client.request("POST", score + "?extra_fields=maybe", body: extra).status == 422)
        let tableRow = #"{"lead": {"vertical": "pc", "ml_score": 0.3, "ml_quality": "hot", "ml_model_version": "v1", "scored_at": null}}"#
        #expect(try client.request("POST", score, body: tableRow).status == 200)
        // The agent's columns in the lead row (a join) are the agent's values.
        let joined = try client.request("POST", score, body: #"{"lead": {"vertical": "pc", "agent_id": 4, "rating": 4.5, "created_at": 1700000000}}"#)
        let nested = try client.request("POST", score, body: #"{"lead": {"vertical": "pc", "agent_id": 4, "created_at": 1700000000}, "agent": {"rating": 4.5}}"#)
        #expect(joined.status == 200 && joined.json?["score"] == nested.json?["score"])
    }
}
