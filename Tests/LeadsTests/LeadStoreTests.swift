import Database
import Foundation
import Testing
import TestSupport
@testable import Leads

@Suite(.enabled(if: TestDatabase.isConfigured))
struct LeadStoreTests {
    /// Seeding then reading back gives the same leads, and features bit-identical to those
    /// computed from the in-memory records: the training path and the database path agree.
    @Test func seededLeadsReadBackIdenticallyWithIdenticalFeatures() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try SchemaMigrations.apply(LeadSchema.migrations, to: db)
            let generator = SyntheticLeadGenerator(seed: 5, windowEnd: Date().timeIntervalSince1970 - 3600, windowDays: 90)
            let agents = generator.agents()
            let leads = generator.leads(0..<5000, agents: agents)
            try LeadStore.insert(agents: agents, leads: leads, into: db)
            var readBack: [LeadRecord] = []
            var agentsBack: [Int64: AgentRecord] = [:]
            try LeadStore.forEachLead(in: db) { lead, agent in
                readBack.append(lead)
                if let agent { agentsBack[agent.id] = agent }
            }
            #expect(readBack.count == leads.count)
            for (a, b) in zip(leads, readBack) where a != b {
                Issue.record("lead \(a.id) differs after the database round trip:\n\(a)\n\(b)")
                break
            }
            let direct = LeadDataset.make(leads: leads, agents: agents)
            let viaDatabase = LeadDataset.make(leads: readBack, agents: Array(agentsBack.values))
            #expect(fingerprint(direct) == fingerprint(viaDatabase))
            // The id sequence continues after the seeded ids.
            let next = try db.query("INSERT INTO leads (vertical, created_at) VALUES ('pc', now()) RETURNING id").rows[0][0]
            #expect(next == "5001")
        }
    }

    @Test func filtersByVerticalAndDays() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            try SchemaMigrations.apply(LeadSchema.migrations, to: db)
            let now = Date().timeIntervalSince1970
            let generator = SyntheticLeadGenerator(seed: 6, windowEnd: now - 60, windowDays: 120)
            let agents = generator.agents()
            let leads = generator.leads(0..<3000, agents: agents)
            try LeadStore.insert(agents: agents, leads: leads, into: db)
            let health = try countLeads(db, LeadFilter(vertical: "health"))
            #expect(health == leads.filter { $0.vertical == "health" }.count)
            let recent = leads.filter { $0.createdAt >= now - 30 * 86_400 + 5 }.count
            let recentish = leads.filter { $0.createdAt >= now - 30 * 86_400 - 5 }.count
            let counted = try countLeads(db, LeadFilter(days: 30))
            #expect(counted >= recent && counted <= recentish)
            // A hostile filter value is only ever a value.
            let hostile = try countLeads(db, LeadFilter(vertical: "pc' OR '1'='1"))
            #expect(hostile == 0)
        }
    }

    private func countLeads(_ db: PostgresConnection, _ filter: LeadFilter) throws -> Int {
        var n = 0
        try LeadStore.forEachLead(in: db, filter: filter) { _, _ in n += 1 }
        return n
    }

    @Test func badStoredValuesAreReportedByLeadAndField() throws {
        #expect(throws: LeadRow.DecodingError.self) {
            var values: [String?] = Array(repeating: nil, count: LeadRow.columns.count)
            values[0] = "9"; values[1] = "pc"; values[2] = "1700000000"; values[12] = "many"
            _ = try LeadRow.decode(values)
        }
        do {
            var values: [String?] = Array(repeating: nil, count: LeadRow.columns.count)
            values[0] = "9"; values[1] = "pc"; values[2] = "1700000000"; values[10] = "maybe"
            _ = try LeadRow.decode(values)
        } catch {
            #expect(error.field == "form_completed" && error.leadID == "9")
            #expect(error.description == "lead 9: field 'form_completed' has an invalid value 'maybe': must be a boolean (true or false)")
        }
    }

    @Test func theLeadSchemaHasTheColumnsTheStoreAndServiceUse() throws {
        try TestDatabase.withFreshDatabase { url in
            let db = try PostgresConnection(url: url)
            #expect(try SchemaMigrations.apply(LeadSchema.migrations, to: db) == LeadSchema.migrations.map(\.version))
            let columns = try db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'leads'").rows.map { $0[0]! }
            for required in ["id", "vertical", "created_at", "email", "agent_id", "converted", "ml_score", "ml_quality", "ml_model_version", "scored_at"] {
                #expect(columns.contains(required), "leads lacks \(required)")
            }
        }
    }
}
