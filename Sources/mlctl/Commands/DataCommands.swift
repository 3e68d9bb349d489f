import Foundation
import Training

/// `mlctl extract` and `mlctl datasets`.
enum DataCommands {
    static let extract = Command(
        spec: CommandSpec(
            path: ["extract"], summary: "Extract a feature table (CSV) from the leads in PostgreSQL",
            options: [
                .value("database-url", "URL", "PostgreSQL URL", required: true),
                .value("out", "FILE", "output CSV (features plus the 'converted' label)", required: true),
                .value("vertical", "V", "only this vertical: pc, health or commercial"),
                .value("days", "N", "only leads created in the last N days"),
            ]),
        run: { options in
            let vertical = try options.choice("vertical", Vertical.allCases.map(\.rawValue))
            let days = try options.int("days", in: 1...36_500)
            let out = URL(fileURLWithPath: try options.required("out"))
            let db = try PostgresConnection(url: try options.required("database-url"))
            let progress = Progress("extract", total: nil, unit: "leads")
            var leads: [LeadRecord] = []
            var agents: [Int64: AgentRecord] = [:]
            try LeadStore.forEachLead(in: db, filter: LeadFilter(vertical: vertical, days: days)) { lead, agent in
                leads.append(lead)
                if let agent { agents[agent.id] = agent }
                if leads.count % 10_000 == 0 { progress.update(leads.count) }
            }
            let dataset = LeadDataset.make(leads: leads, agents: Array(agents.values))
            try CSVWriter.write(dataset, labelName: LeadDataset.targetName, to: out)
            progress.finish("wrote \(formatCount(leads.count)) leads × \(dataset.columns.count) features to \(out.path)")
            return 0
        })

    static let list = Command(
        spec: CommandSpec(path: ["datasets", "list"], summary: "List the bundled datasets", options: []),
        run: { _ in
            Console.out("""
                leads   \(formatCount(BundledLeads.count)) synthetic insurance leads (seed \(BundledLeads.seed), year to 2026-10-01), \
                \(FeatureExtractor.schema.allNames.count) features, label 'converted'; generated on use
                Public tables for parity tests live in the repository's datasets/public/ (see its README).
                """)
            return 0
        })

    static let export = Command(
        spec: CommandSpec(
            path: ["datasets", "export"], summary: "Write a bundled dataset to CSV",
            options: [
                .value("name", "NAME", "dataset to export", default: "leads"),
                .value("format", "F", "features (model input, with the label) or raw (lead records as in the leads table)", default: "features"),
                .value("out", "FILE", "output CSV", required: true),
            ]),
        run: { options in
            _ = try options.choice("name", ["leads"], default: "leads")
            let format = try options.choice("format", ["features", "raw"], default: "features")!
            let out = URL(fileURLWithPath: try options.required("out"))
            let (leads, agents) = BundledLeads.load()
            if format == "features" {
                let dataset = LeadDataset.make(leads: leads, agents: agents)
                try CSVWriter.write(dataset, labelName: LeadDataset.targetName, to: out)
                Console.out("wrote \(formatCount(dataset.rowCount)) rows × \(dataset.columns.count) features to \(out.path)")
            } else {
                try LeadCSV.write(leads: leads, agents: agents, to: out)
                Console.out("wrote \(formatCount(leads.count)) lead records to \(out.path)")
            }
            return 0
        })
}
