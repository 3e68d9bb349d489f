import Core
import Database
import Experiments
import Foundation
import Leads
import Serving
import Training

/// `mlctl db migrate` and `mlctl db seed`.
enum DatabaseCommands {
    static let migrate = Command(
        spec: CommandSpec(path: ["db", "migrate"], summary: "Create or upgrade the lead schema (idempotent)",
                          options: OptionSpec.databaseURL("PostgreSQL URL, e.g. postgresql://user@localhost/leads")),
        run: { options in
            let db = try PostgresConnection(url: try options.requiredDatabaseURL())
            let applied = try ServiceSchema.migrate(db)
            Console.out(applied.isEmpty ? "schema is up to date (version \(ServiceSchema.latestVersion))"
                                        : "applied migrations \(applied.map(String.init).joined(separator: ", ")); schema version \(ServiceSchema.latestVersion)")
            return 0
        })

    static let seed = Command(
        spec: CommandSpec(
            path: ["db", "seed"], summary: "Fill the database with realistic synthetic leads",
            options: OptionSpec.databaseURL("PostgreSQL URL") + [
                .value("leads", "N", "number of leads to add", default: "100000"),
                .value("seed", "S", "random seed (the same seed gives the same leads)", default: "42"),
                .value("days", "N", "leads arrive over the last N days", default: "365"),
                .value("end-days-ago", "N", "the arrival window ends N days ago instead of now (an earlier era of leads)", default: "0"),
                .value("ab-test", "NAME", "also simulate a finished A/B test of that name over the new leads"),
                .value("ab-split", "C/T", "control/treatment percentages of the simulated test", default: "50/50"),
                .value("shift-days-ago", "N", "leads created in the last N days convert by a changed rule (simulated concept drift)"),
                .value("shift-strength", "X", "how strongly the rule changes with --shift-days-ago", default: "1"),
            ],
            discussion: """
                Applies migrations first. New leads get ids after the largest existing id. Rows go in with COPY, in
                blocks of 100,000, each block in its own transaction.

                --ab-test creates the test, started when the first new lead arrives, assigns every new lead by the
                test's hash at its arrival, lets ML-prioritised (treatment) leads convert more often (see
                ABSimulation), and stops the test. Then 'mlctl ab results --name NAME' shows its results.

                --shift-days-ago N simulates concept drift for the retraining loop: leads created in the last N days
                convert by a changed rule (sources' effects partly reversed, a completed form and mobile traffic count
                differently; BehaviourShift), their inputs unchanged. A model trained before the shift ranks them worse:
                'mlctl monitor' shows it once they are scored, and 'mlctl retrain' trains on them.
                """),
        run: { options in
            let count = try options.int("leads", default: 100_000, in: 0...100_000_000)!
            let seedValue = try options.int("seed", default: 42, in: 0...Int.max)!
            let days = try options.int("days", default: 365, in: 1...36_500)!
            let db = try PostgresConnection(url: try options.requiredDatabaseURL())
            try ServiceSchema.migrate(db)
            let firstID = try db.query("SELECT coalesce(max(id), 0) + 1 AS next_id FROM leads").first?.int64("next_id") ?? 1
            let now = Date().timeIntervalSince1970
            let windowEnd = now - Double(try options.int("end-days-ago", default: 0, in: 0...36_500)!) * 86_400
            let shift = try options.int("shift-days-ago", in: 0...36_500).map { daysAgo in
                BehaviourShift(at: now - Double(daysAgo) * 86_400, strength: try options.double("shift-strength", default: 1)!)
            }
            let generator = SyntheticLeadGenerator(seed: UInt64(seedValue), windowEnd: windowEnd, windowDays: days, shift: shift)
            let agents = generator.agents()
            var abTest: ABTest?
            if let name = options.string("ab-test") {
                var definition = ABTestDefinition(name: name)
                definition.description = "simulated by mlctl db seed: rule-based scoring (control) vs the ML model (treatment)"
                let parts = (options.string("ab-split") ?? "50/50").split(separator: "/").compactMap { Int($0) }
                guard parts.count == 2 else { throw UsageError(message: "--ab-split must be two whole percentages like 50/50") }
                do throws(FieldError) { definition.arms = try ABArm.fromSplit(["control": parts[0], "treatment": parts[1]]) } catch {
                    throw UsageError(message: "--ab-split: \(error.message)")
                }
                if let problem = definition.validate() { throw UsageError(message: "--ab-test/--ab-split: \(problem.field): \(problem.message)") }
                abTest = try ABTestStore(db).create(definition, startedAt: generator.windowEnd - Double(days) * 86_400)
            }
            let progress = TerminalProgress("db seed", total: count, unit: "leads")
            let blockSize = 100_000
            var done = 0
            while done < count {
                let range = done..<min(count, done + blockSize)
                var leads = generator.leads(range, firstID: firstID, agents: agents)
                if let abTest {
                    let variants = ABSimulation.apply(to: &leads, testName: abTest.name, controlPercent: abTest.controlPercent, seed: UInt64(seedValue))
                    try LeadStore.insert(agents: agents, leads: leads, into: db, progress: { progress.update(done + $0) }) { db in
                        try ABSimulation.insertAssignments(testName: abTest.name, leads: leads, variants: variants, into: db)
                    }
                } else {
                    try LeadStore.insert(agents: agents, leads: leads, into: db) { progress.update(done + $0) }
                }
                done = range.upperBound
            }
            if let abTest { try ABTestStore(db).stop(abTest.name, at: generator.windowEnd) }
            progress.finish("added \(formatCount(count)) leads (ids \(firstID)…\(firstID + Int64(count) - 1)) and \(agents.count) agents"
                            + (abTest.map { "; A/B test \($0.name) simulated and stopped: mlctl ab results --name \($0.name)" } ?? ""))
            return 0
        })
}
