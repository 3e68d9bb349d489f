import Foundation
import Training

/// `mlctl db migrate` and `mlctl db seed`.
enum DatabaseCommands {
    static let migrate = Command(
        spec: CommandSpec(path: ["db", "migrate"], summary: "Create or upgrade the lead schema (idempotent)",
                          options: [.value("database-url", "URL", "PostgreSQL URL, e.g. postgresql://user@localhost/leads", required: true)]),
        run: { options in
            let db = try PostgresConnection(url: try options.required("database-url"))
            let applied = try LeadSchema.migrate(db)
            Console.out(applied.isEmpty ? "schema is up to date (version \(LeadSchema.latestVersion))"
                                        : "applied migrations \(applied.map(String.init).joined(separator: ", ")); schema version \(LeadSchema.latestVersion)")
            return 0
        })

    static let seed = Command(
        spec: CommandSpec(
            path: ["db", "seed"], summary: "Fill the database with realistic synthetic leads",
            options: [
                .value("database-url", "URL", "PostgreSQL URL", required: true),
                .value("leads", "N", "number of leads to add", default: "100000"),
                .value("seed", "S", "random seed (the same seed gives the same leads)", default: "42"),
                .value("days", "N", "leads arrive over the last N days", default: "365"),
            ],
            discussion: "Applies migrations first. New leads get ids after the largest existing id. Rows go in with COPY, in\nblocks of 100,000, each block in its own transaction."),
        run: { options in
            let count = try options.int("leads", default: 100_000, in: 0...100_000_000)!
            let seedValue = try options.int("seed", default: 42, in: 0...Int.max)!
            let days = try options.int("days", default: 365, in: 1...36_500)!
            let db = try PostgresConnection(url: try options.required("database-url"))
            try LeadSchema.migrate(db)
            let firstID = Int64(try db.query("SELECT coalesce(max(id), 0) + 1 FROM leads").rows[0][0]!)!
            let generator = SyntheticLeadGenerator(seed: UInt64(seedValue), windowEnd: Date().timeIntervalSince1970, windowDays: days)
            let agents = generator.agents()
            let progress = Progress("db seed", total: count, unit: "leads")
            let blockSize = 100_000
            var done = 0
            while done < count {
                let range = done..<min(count, done + blockSize)
                let leads = generator.leads(range, firstID: firstID, agents: agents)
                try LeadStore.insert(agents: agents, leads: leads, into: db) { progress.update(done + $0) }
                done = range.upperBound
            }
            progress.finish("added \(formatCount(count)) leads (ids \(firstID)…\(firstID + Int64(count) - 1)) and \(agents.count) agents")
            return 0
        })
}
