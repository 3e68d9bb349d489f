import Core
import Experiments
import Foundation
import Leads

/// `POST /api/v1/lead-scoring-ml/score/:leadId`: a lead read from PostgreSQL, scored, its
/// score written back durably, then answered. No thread waits for the database on the
/// request's behalf (``HTTPResponse/eventually(_:)``): the event loop validates the request
/// and queues the read; a reader thread reads the leads of concurrent requests with one
/// statement (``LeadDatabase/lead(id:then:)``) and hands each back to its event loop, which
/// scores it — where the body route scores, so the two share the cores alike — and queues the
/// write-back; a writer thread commits the write-backs of concurrent requests together and
/// sends each reply once its own write is durable
/// (``LeadDatabase/writeScore(id:score:quality:modelVersion:abTest:then:)``). A slow or
/// stopped database therefore delays only these requests, and holds no thread per request.
extension ScoringService {
    func scoreByID(_ idText: String, _ request: HTTPRequest, state: ServingState, started: Double) throws -> HTTPResponse {
        guard !idText.isEmpty, idText.count <= 18, idText.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(idText), id > 0 else {
            throw ServiceError(400, "invalid_lead_id", "the lead id must be a positive integer")
        }
        let body = try jsonBody(request).map { body in try requireObject(body, keys: ["useVerticalModel"]) }
        let useVertical = try bool(body?["useVerticalModel"], field: "useVerticalModel", default: true)
        let factors = try factorCount(request)
        guard let database else { throw ServiceError(503, "database_not_configured", "the service runs without a database (--database-url)") }
        return .eventually { [self] reply in
            database.lead(id: id) { [self] read in
                // On a reader thread: back to the event loop, which scores the lead.
                reply(.eventually { [self] reply in
                    let response: ScoreResponse
                    do {
                        guard let read = try read.get() else { throw ServiceError(404, "lead_not_found", "no lead with id \(id)") }
                        response = try score(read, id: id, state: state, useVertical: useVertical, factors: factors)
                    } catch {
                        return reply(errorResponse(error, route: .scoreByID))
                    }
                    database.writeScore(id: id, score: response.score, quality: response.qualityLevel, modelVersion: response.modelVersion,
                                        abTest: response.abTest) { [self] written in
                        // On a writer thread, once the batch is committed.
                        if case .failure(let error) = written { return reply(errorResponse(error, route: .scoreByID)) }
                        var writer = JSONWriter(capacity: 512)
                        write(response, started: started, to: &writer)
                        reply(.json(200, writer.bytes))
                    }
                })
            }
        }
    }

    /// The reply to a lead read by id: by its arm while an A/B test runs — the rules, the
    /// served model, or the registry version the arm names (``ArmModels``) — else by the
    /// served model. For a running test the stored assignment always equals the hash's, so the
    /// arm comes from the hash, and the assignment is stored with the score in the
    /// write-back's one commit. The running test is the one the read saw (at most
    /// ``RunningTestCache/maximumAge`` old).
    private func score(_ read: LeadDatabase.LeadRead, id: Int64, state: ServingState, useVertical: Bool, factors: Int) throws -> ScoreResponse {
        guard let test = read.runningTest else {
            return ScoreResponse(try scoreLead(read.lead, agent: read.agent, state: state, useVertical: useVertical, factors: factors), leadIDKnown: true)
        }
        let arm = test.arms[ABAssignment.armIndex(of: test, leadID: id)]
        let abTest = (name: test.name, variant: arm.name)
        metrics.recordABScore(test: test.name, variant: arm.name)
        var scored: ScoreResponse
        switch arm.scorer {
        case .rules:
            let rules = RuleBasedLeadScorer.score(read.lead, agent: read.agent, factors: factors)
            metrics.recordScore(model: RuleBasedLeadScorer.versionLabel, probability: rules.score, qualityLevel: rules.qualityLevel)
            return ScoreResponse(leadID: id, score: rules.score, qualityLevel: rules.qualityLevel,
                                 confidence: LeadScorer.confidence(probability: rules.score, levels: RuleBasedLeadScorer.qualityLevels, memberSpread: 0),
                                 vertical: read.lead.vertical, modelVersion: RuleBasedLeadScorer.versionLabel, factors: rules.factors, abTest: abTest)
        case .current:
            scored = ScoreResponse(try scoreLead(read.lead, agent: read.agent, state: state, useVertical: useVertical, factors: factors), leadIDKnown: true)
        case .version, .bundle:
            let catalog: ModelCatalog
            do { catalog = try armModels.catalog(for: arm.scorer) } catch {
                throw ServiceError(503, "ab_arm_model_unavailable", "the A/B test \(test.name)'s arm \(arm.name) cannot be scored: \(error.message)")
            }
            let score = try LeadScorer.score(lead: read.lead, agent: read.agent, catalog: catalog, useVerticalModel: useVertical, factors: factors)
            metrics.recordScore(model: score.model.versionLabel, probability: score.score, qualityLevel: score.qualityLevel)
            // An arm on a bundle of the served version feeds the served model's drift window.
            let drift = catalog.version == state.catalog.version ? state.drift[score.model.name] : armModels.driftMonitor(for: arm.scorer, model: score.model.name)
            drift?.record(encoded: score.row, rows: 1)
            scored = ScoreResponse(score, leadIDKnown: true)
        }
        scored.abTest = abTest
        return scored
    }
}
