import Foundation
import Testing
@testable import Serving
import Training

/// Scoring many leads at once (the batch scorer's path) against scoring them one by one (the
/// service's path): the same bits, for the ensemble (trees + logistic, calibrated) and for the
/// pc vertical's logistic model.
@Suite struct LeadScorerBulkTests {
    @Test func scoringManyAtOnceGivesExactlyTheOneByOneScores() throws {
        let fixture = ServingFixture.shared
        let catalog = try ModelCatalog.load(from: fixture.registry)
        let agents = Dictionary(uniqueKeysWithValues: fixture.agents.map { ($0.id, $0) })
        let leads = fixture.leads.prefix(600).map { (lead: $0, agent: $0.agentId.flatMap { agents[$0] }) }
        for useVertical in [true, false] {
            let many = try LeadScorer.scoreMany(Array(leads), catalog: catalog, useVerticalModel: useVertical, threads: 2)
            #expect(many.count == leads.count)
            var models: Set<String> = []
            for (entry, bulk) in zip(leads, many) {
                let one = try LeadScorer.score(lead: entry.lead, agent: entry.agent, catalog: catalog, useVerticalModel: useVertical, factors: 0)
                models.insert(bulk.model.name)
                #expect(bulk.leadID == one.leadID && bulk.model.name == one.model.name)
                #expect(bulk.score.bitPattern == one.score.bitPattern && bulk.confidence.bitPattern == one.confidence.bitPattern,
                        "lead \(one.leadID): \(bulk.score) vs \(one.score)")
                #expect(bulk.qualityLevel == one.qualityLevel && bulk.row.map(\.bitPattern) == one.row.map(\.bitPattern))  // NaN = missing
            }
            #expect(useVertical ? models.count >= 2 : models == ["global"], "\(models)")
        }
    }
}
