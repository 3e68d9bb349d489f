import Core
import Experiments
import Foundation
import Leads
import Training

/// The lead-scoring routes: a lead in the body, a batch of leads (a lead by id from PostgreSQL:
/// ScoringService+ScoreByID.swift), and the reply they share.
extension ScoringService {
    func scoreBody(_ request: HTTPRequest, state: ServingState, started: Double) throws -> HTTPResponse {
        let record: LeadRecord, agent: AgentRecord?, useVertical: Bool, leadIDKnown: Bool
        let ignoringUnknown = try ignoresUnknownFields(request)
        if try hasJSONBody(request), var scanned = LeadJSON.scanScoreBody(request.body, ignoringUnknownFields: ignoringUnknown) {
            // The usual body, read without the JSON tree; anything else goes the general way.
            (record, agent) = try LeadJSON.records(from: &scanned.values, agentIDFromAgent: scanned.agentIDFromAgent)
            (useVertical, leadIDKnown) = (scanned.useVerticalModel, scanned.leadIDKnown)
        } else {
            let body = try requireObject(try jsonBody(request), keys: ["lead", "agent", "useVerticalModel"])
            guard let lead = body["lead"] else { throw FieldError(field: "lead", message: "is required") }
            useVertical = try bool(body["useVerticalModel"], field: "useVerticalModel", default: true)
            (record, agent) = try LeadJSON.decode(lead: lead, agent: body["agent"], ignoringUnknownFields: ignoringUnknown)
            leadIDKnown = lead["id"] != nil && lead["id"] != .null
        }
        let score = try scoreLead(record, agent: agent, state: state, useVertical: useVertical, factors: try factorCount(request))
        var writer = JSONWriter(capacity: 512)
        write(ScoreResponse(score, leadIDKnown: leadIDKnown), started: started, to: &writer)
        return .json(200, writer.bytes)
    }

    func scoreBatch(_ request: HTTPRequest, state: ServingState, started: Double) throws -> HTTPResponse {
        let body = try requireObject(try jsonBody(request), keys: ["leads", "useVerticalModel"])
        let ignoringUnknown = try ignoresUnknownFields(request)
        guard case .array(let leads)? = body["leads"] else { throw FieldError(field: "leads", message: "must be an array of lead objects") }
        guard leads.count <= configuration.maxBatch else {
            throw FieldError(field: "leads", message: "at most \(configuration.maxBatch) leads per request (got \(leads.count))")
        }
        let useVertical = try bool(body["useVerticalModel"], field: "useVerticalModel", default: true)
        let factors = try factorCount(request)
        var decoded: [(lead: LeadRecord, agent: AgentRecord?)] = [], known: [Bool] = []
        for (index, entry) in leads.enumerated() {
            // Each entry is a lead object (perhaps with its "agent"), or {"lead": {...}, "agent": {...}}.
            let lead = entry["lead"] ?? entry
            do {
                if lead != entry { try entry.refuseUnknownKeys(allowed: ["lead", "agent"], prefix: "lead.") }
                let (record, agent) = try LeadJSON.decode(lead: lead, agent: entry["agent"], ignoringUnknownFields: ignoringUnknown,
                                                          allowingAgentKey: lead == entry)
                decoded.append((record, agent))
                known.append(lead["id"] != nil && lead["id"] != .null)
            } catch {  // a FieldError (typed throws), renamed to its place in the batch
                throw FieldError(field: "leads[\(index)]." + error.field.replacingOccurrences(of: "lead.", with: ""), message: error.message)
            }
        }
        // Without explanations, each model's leads are scored together (same scores, bit for
        // bit). This runs on one worker thread, off the event loop (ServiceRoute.runsOffTheLoop),
        // so a large batch delays neither the loop's other connections nor other batches.
        let scored: [LeadScore]
        if factors == 0 {
            scored = try LeadScorer.scoreMany(decoded, catalog: state.catalog, useVerticalModel: useVertical, threads: 1)
            for score in scored { recordScored(score, state: state) }
        } else {
            var one: [LeadScore] = []
            for entry in decoded { one.append(try scoreLead(entry.lead, agent: entry.agent, state: state, useVertical: useVertical, factors: factors)) }
            scored = one
        }
        let scores = Array(zip(scored, known))
        var writer = JSONWriter(capacity: 256 * max(1, scores.count))
        writer.object { o in
            o.key("results")
            o.array { a in for (score, known) in scores { write(ScoreResponse(score, leadIDKnown: known), started: nil, to: &a) } }
            o.field("latencyMs", (monotonicSeconds() - started) * 1000)
        }
        return .json(200, writer.bytes)
    }

    func scoreLead(_ lead: LeadRecord, agent: AgentRecord?, state: ServingState, useVertical: Bool, factors: Int) throws -> LeadScore {
        let score = try LeadScorer.score(lead: lead, agent: agent, catalog: state.catalog, useVerticalModel: useVertical, factors: factors)
        recordScored(score, state: state)
        return score
    }

    /// A scored lead in the metrics (its model version, probability and quality level) and its model's drift window.
    func recordScored(_ score: LeadScore, state: ServingState) {
        metrics.recordScore(model: score.model.versionLabel, probability: score.score, qualityLevel: score.qualityLevel)
        state.drift[score.model.name]?.record(encoded: score.row, rows: 1)
    }

    /// What a scoring route answers for one lead, from the model or from the rules.
    struct ScoreResponse {
        var leadID: Int64?
        var score: Double
        var qualityLevel: String
        var confidence: Double
        var vertical: String
        var modelVersion: String
        var factors: [ScoreFactor]
        var abTest: (name: String, variant: String)?

        init(leadID: Int64?, score: Double, qualityLevel: String, confidence: Double, vertical: String, modelVersion: String,
             factors: [ScoreFactor], abTest: (name: String, variant: String)? = nil) {
            self.leadID = leadID
            self.score = score
            self.qualityLevel = qualityLevel
            self.confidence = confidence
            self.vertical = vertical
            self.modelVersion = modelVersion
            self.factors = factors
            self.abTest = abTest
        }

        init(_ score: LeadScore, leadIDKnown: Bool) {
            self.init(leadID: leadIDKnown ? score.leadID : nil, score: score.score, qualityLevel: score.qualityLevel,
                      confidence: score.confidence, vertical: score.vertical, modelVersion: score.model.versionLabel, factors: score.factors)
        }
    }

    func write(_ response: ScoreResponse, started: Double?, to writer: inout JSONWriter) {
        writer.object { o in
            o.key("leadId")
            if let id = response.leadID { o.integer(Int(id)) } else { o.null() }
            o.field("score", response.score)
            o.field("qualityLevel", response.qualityLevel)
            o.field("confidence", response.confidence)
            o.field("vertical", response.vertical)
            o.field("modelVersion", response.modelVersion)
            o.key("topFactors")
            o.array { a in
                for factor in response.factors {
                    a.object { f in
                        f.field("feature", factor.feature)
                        f.field("label", factor.label)
                        f.key("value")
                        Self.writeValue(factor.value, to: &f)
                        f.field("contribution", factor.contribution)
                        f.field("direction", factor.contribution > 0 ? "increases" : "decreases")
                    }
                }
            }
            if let abTest = response.abTest {
                o.key("abTest")
                o.object { t in
                    t.field("testName", abTest.name)
                    t.field("variant", abTest.variant)
                }
            }
            if let started { o.field("latencyMs", (monotonicSeconds() - started) * 1000) }
        }
    }

    static func writeValue(_ value: InputValue, to writer: inout JSONWriter) {
        switch value {
        case .missing: writer.null()
        case .number(let n): writer.number(n)
        case .text(let t): writer.string(t)
        }
    }
}
