import Core
import Database
import Foundation
import Leads
import Training

/// `mlctl extract` and `mlctl datasets`.
enum DataCommands {
    static let extract = Command(
        spec: CommandSpec(
            path: ["extract"], summary: "Extract a feature table (CSV) from the leads in PostgreSQL",
            options: OptionSpec.databaseURL("PostgreSQL URL") + [
                .value("out", "FILE", "output CSV: the lead's id, its features and the 'converted' label (train with --id-column id)", required: true),
                .value("vertical", "V", "only this vertical: pc, health or commercial"),
                .value("days", "N", "only leads created in the last N days"),
            ]),
        run: { options in
            let vertical = try options.choice("vertical", Vertical.allCases.map(\.rawValue))
            let days = try options.int("days", in: 1...36_500)
            let out = try options.outputURL("out")
            let db = try PostgresConnection(url: try options.requiredDatabaseURL())
            let progress = TerminalProgress("extract", total: nil, unit: "leads")
            let (leads, agents) = try LeadStore.loadLeads(from: db, filter: LeadFilter(vertical: vertical, days: days)) { progress.update($0) }
            // The lead id first (as text: ids pass 2^24, where a Float column would round
            // them), so that scores computed from the table join back to their leads.
            var dataset = LeadDataset.make(leads: leads, agents: agents)
            dataset.columns.insert(.categorical(CategoricalColumn(name: "id", texts: leads.map { String($0.id) })), at: 0)
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
                .value("kind", "K", "features (model input, with the label) or raw (lead records as in the leads table)", default: "features"),
                .value("out", "FILE", "output CSV", required: true),
            ],
            // --format names an output's encoding (text or json) everywhere else.
            deprecated: [DeprecatedSpelling(old: "format", name: "kind")]),
        run: { options in
            _ = try options.choice("name", ["leads"], default: "leads")
            let format = try options.choice("kind", ["features", "raw"], default: "features")!
            let out = try options.outputURL("out")
            let (leads, agents) = BundledLeads.load()
            if format == "features" {
                let dataset = LeadDataset.make(leads: leads, agents: agents)
                try CSVWriter.write(dataset, labelName: LeadDataset.targetName, to: out)
                DataCommands.report("wrote \(formatCount(dataset.rowCount)) rows × \(dataset.columns.count) features to \(out.path)", dataTo: out)
            } else {
                try LeadCSV.write(leads: leads, agents: agents, to: out)
                DataCommands.report("wrote \(formatCount(leads.count)) lead records to \(out.path)", dataTo: out)
            }
            return 0
        })
}

extension DataCommands {
    static let inspect = Command(
        spec: CommandSpec(
            path: ["datasets", "inspect"], summary: "Read a CSV table and describe its columns",
            options: [
                .value("data", "FILE", "CSV table", required: true),
                .value("target", "COL", "label column (0/1), if any"),
                .value("threads", "N", "parsing threads (default: all cores)"),
            ]),
        run: { options in
            let started = Date()
            let url = try options.inputURL("data")
            let threads = try options.int("threads", in: 1...256)
            let dataset = try CSVReader.read(contentsOf: url, options: CSVReadOptions(target: options.string("target"), threads: threads))
            let seconds = Date().timeIntervalSince(started)
            var lines = ["\(url.path): \(formatCount(dataset.rowCount)) rows × \(dataset.columns.count) feature columns, read in \(formatDuration(seconds))"]
            if options.string("target") != nil {
                lines.append("label: \(formatCount(dataset.positiveCount)) positive (\(String(format: "%.2f", 100 * Double(dataset.positiveCount) / Double(max(1, dataset.rowCount)))) %)")
            }
            for column in dataset.columns {
                switch column {
                case .numeric(let c):
                    var low = Float.infinity, high = -Float.infinity, missing = 0
                    for value in c.values {
                        if value.isNaN { missing += 1; continue }
                        low = min(low, value); high = max(high, value)
                    }
                    let range = missing == c.values.count ? "" : ", min \(low), max \(high)"
                    lines.append("  \(c.name): numeric, \(missing) missing\(range)")
                case .categorical(let c):
                    let missing = c.codes.filter { $0 == CategoricalColumn.missingCode }.count
                    lines.append("  \(c.name): categorical, \(c.categories.count) categories, \(missing) missing")
                }
            }
            Console.out(lines.joined(separator: "\n"))
            return 0
        })

    /// A command's closing line: on standard output, or standard error when the data went there.
    static func report(_ line: String, dataTo out: URL) {
        if out == CSVWriter.standardOutputURL { Console.error(line) } else { Console.out(line) }
    }
}
