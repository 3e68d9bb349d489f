import Core
import Foundation
import Leads
import Testing
@testable import Serving
import Training

/// ``LeadJSON/scanScoreBody(_:)`` reads the usual score body without the JSON tree. Whenever
/// it answers, its answer must be the general path's (parse, ``LeadJSON/decode(lead:agent:)``):
/// the same records, or the same field error; every other body must fall to the general path.
@Suite struct LeadBodyScanTests {
    enum Outcome: Equatable {
        case scored(LeadRecord, AgentRecord?, useVertical: Bool, leadIDKnown: Bool)
        case fieldError(FieldError)
    }

    /// The general path, as `POST /score` takes it (for the bodies that reach the decoding).
    func general(_ body: String) throws -> Outcome {
        let value = try JSONParser.parse(Array(body.utf8))
        let lead = try #require(value["lead"])
        let useVertical: Bool
        switch value["useVerticalModel"] {
        case nil, .null?: useVertical = true
        case .bool(let b)?: useVertical = b
        default: return .fieldError(FieldError(field: "useVerticalModel", message: "must be a boolean"))
        }
        do {
            let (record, agent) = try LeadJSON.decode(lead: lead, agent: value["agent"])
            return .scored(record, agent, useVertical: useVertical, leadIDKnown: lead["id"] != nil && lead["id"] != .null)
        } catch {
            return .fieldError(error)
        }
    }

    func scanned(_ body: String) -> Outcome? {
        guard var scan = LeadJSON.scanScoreBody(Array(body.utf8)) else { return nil }
        do {
            let (record, agent) = try LeadJSON.records(from: &scan.values, agentIDFromAgent: scan.agentIDFromAgent)
            return .scored(record, agent, useVertical: scan.useVerticalModel, leadIDKnown: scan.leadIDKnown)
        } catch {
            return .fieldError(error)
        }
    }

    static let lead = #""id": 48213, "vertical": "pc", "created_at": "2026-03-14T15:09:26Z", "email": "maria.garcia@gmail.com", "phone": "(512) 448-3071", "first_name": "Maria", "state": "TX", "form_completed": true, "pages_visited": 7, "time_on_site_s": 312.4, "mobile": false, "source": "paid_search", "agent_id": 7"#
    static let agent = #"{"id": 7, "avg_response_time_s": 340.0, "conversion_rate": 0.12, "rating": 4.3}"#

    /// Bodies the scan takes: key orders, duplicates (the last wins), nulls, numbers and
    /// booleans where text is expected and the reverse, escapes, ignored columns, invalid
    /// values that fail in decoding.
    static let taken: [String] = [
        #"{"lead": {\#(lead)}, "agent": \#(agent)}"#,
        #"{"agent": \#(agent), "useVerticalModel": false, "lead": {\#(lead)}}"#,
        #" { "lead" : { "created_at" : 1773500966.5 , "id" : "12" , "vertical" : "health" } , "agent" : null } "#,
        #"{"lead": {"vertical": "pc", "id": 1, "created_at": "2026-01-01 10:00:00+00", "id": null, "email": "a@b.co", "email": "Z\u00e9@x.org"}}"#,
        #"{"lead": {"created_at": "2026-01-01T00:00:00Z", "pages_visited": "7", "time_on_site_s": "1e2", "form_completed": "t", "mobile": 1 }}"#,
        #"{"lead": {"created_at": "2026-01-01T00:00:00Z", "pages_visited": 7.5, "ml_score": "y", "scored_at": 3, "name": true, "ml_quality": null}}"#,
        #"{"lead": {"created_at": "2026-01-01T00:00:00Z", "pages_visited": "abc"}}"#,
        #"{"lead": {"created_at": "2026-01-01T00:00:00Z", "form_completed": "maybe"}}"#,
        #"{"lead": {"created_at": "2026-01-01T00:00:00Z", "agent_id": 3}, "agent": {"id": 9, "rating": "5", "name": 1, "rating": 4.5}}"#,
        #"{"lead": {"created_at": "2026-01-01T00:00:00Z"}, "agent": {"id": 9, "conversion_rate": "x"}}"#,
        #"{"lead": {"created_at": "2026-01-01T00:00:00Z", "time_on_site_s": -0, "pages_visited": 1E+1, "id": 12345678901234567}}"#,
        #"{"lead": {"created_at": "2026-01-01T00:00:00Z", "first_name": "\ud83d\ude00 \"q\" \\ \/"}, "useVerticalModel": null}"#,
        #"{"lead": {}, "useVerticalModel": true}"#,
    ]

    /// Bodies the scan leaves to the general path: other shapes, nested values, infinite
    /// numbers, a string where a boolean belongs, bad JSON.
    static let left: [String] = [
        "", "[]", "{}", #"{"lead": null}"#, #"{"lead": []}"#, #"{"lead": {"id": 1}, "other": 1}"#,
        #"{"lead": {"id": 1}, "lead": {"id": 2}}"#, #"{"lead": {"id": {"n": 1}}}"#, #"{"lead": {"id": 1e400}}"#,
        #"{"lead": {"id": 1}, "useVerticalModel": "true"}"#, #"{"lead": {"id": 1}, "useVerticalModel": 1}"#,
        #"{"lead": {"id": 1}, "agent": []}"#, #"{"lead": {"id": 1}, "agent": {"id": [1]}}"#, #"{"lead": {"id": 1},}"#,
        #"{"lead": {"id": 01}}"#, #"{"lead": {"unknown": [1]}}"#, #"{"lead": {"unknown": 1}}"#, #"{"lead": {"id": 1}, "agent": {"extra": 1}}"#, #"{"lead": {"id": 1}} x"#, #"{"lead": {"id": 1}"#, #"{"lead": {"id": "\x"}}"#,
    ]

    @Test func takesTheUsualBodyAsTheGeneralPathDoes() throws {
        for body in Self.taken {
            let fast = try #require(scanned(body), "not taken: \(body)")
            let slow = try general(body)
            if case .scored(let a, let b, let c, let d) = fast, case .scored(var a2, let b2, let c2, let d2) = slow, a.createdAt != a2.createdAt,
               abs(a.createdAt - a2.createdAt) < 5, !body.contains("created_at") {
                a2.createdAt = a.createdAt  // both "now"
                #expect(Outcome.scored(a, b, useVertical: c, leadIDKnown: d) == .scored(a2, b2, useVertical: c2, leadIDKnown: d2), "\(body)")
            } else {
                #expect(fast == slow, "\(body)")
            }
        }
        let bench = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../bench/serve_lead.json").standardized, encoding: .utf8)
        #expect(try scanned(bench) == general(bench), "the benchmark's body")
    }

    /// Two thousand mangled copies of the benchmark's body (a byte deleted, replaced or
    /// inserted): the scan must refuse every body the strict parser refuses, and agree with
    /// the general path on every one it takes.
    @Test func agreesWithTheGeneralPathOnMangledBodies() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../bench/serve_lead.json").standardized
        let base = Array(try String(contentsOf: url, encoding: .utf8).utf8)
        let alphabet = Array(#"{}[]",:.-+eE0123456789 tfnulx"#.utf8)
        var seed: UInt64 = 7
        func next(_ bound: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % UInt64(bound)) }
        var taken = 0
        for _ in 0..<2000 {
            var body = base
            let at = next(body.count)
            switch next(3) {
            case 0: body.remove(at: at)
            case 1: body[at] = alphabet[next(alphabet.count)]
            default: body.insert(alphabet[next(alphabet.count)], at: at)
            }
            let text = String(decoding: body, as: UTF8.self)
            guard let fast = scanned(text) else { continue }
            taken += 1
            guard let value = try? JSONParser.parse(body) else { Issue.record("taken but not JSON: \(text)"); continue }
            guard value["lead"] != nil else { Issue.record("taken without a lead: \(text)"); continue }
            let slow = try general(text)
            if case .scored(let a, _, _, _) = fast, case .scored(let b, _, _, _) = slow, a.createdAt != b.createdAt,
               abs(a.createdAt - b.createdAt) < 5 {
                continue  // created_at mangled away: both read "now"
            }
            #expect(fast == slow, "\(text)")
        }
        #expect(taken > 100, "the scan took only \(taken) of 2,000 mangled bodies")
    }

    @Test func leavesEveryOtherBodyToTheGeneralPath() {
        for body in Self.left {
            #expect(LeadJSON.scanScoreBody(Array(body.utf8)) == nil, "\(body)")
        }
    }
}
