import Core
import Evaluation
import Foundation
import Leads
import Serving
import Training

/// `mlctl score-batch`: score the leads in PostgreSQL and write the scores back.
enum ScoreBatchCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["score-batch"], summary: "Score leads in PostgreSQL and write the scores back",
            options: OptionSpec.databaseURL("PostgreSQL URL") + [
                .value("models", "DIR", "model registry (its current version) or bundle", required: true),
                .flag("refresh-all", "rescore every lead, of any age, whatever scored it"),
                .value("vertical", "V", "only pc, health or commercial"),
                .value("days", "N", "incremental runs: leads created in the last N days", default: "7"),
                .value("batch-size", "N", "leads per batch (one transaction each)", default: "50000"),
                .value("shard", "K/N", "only the leads whose id hashes to K modulo N (N processes score one table together)"),
                .value("threads", "N", "scoring threads (default: all cores)"),
                .flag("dry-run", "score and report without writing"),
                OptionSpec.textOrJSON,
            ],
            discussion: """
                Without --refresh-all, scores the leads of the last --days days that were never scored or were scored
                by another model version than the one that would score them now, so a re-run after a crash continues
                where it stopped. Each batch is written in its own transaction (COPY into a temporary table, one
                UPDATE ... FROM). Scores equal the HTTP service's for the same lead. Exit status 1 if any lead failed.
                """,
            deprecated: [.jsonFlag]),
        run: run)

    static func run(_ options: ParsedOptions) throws -> Int32 {
        let json = try options.wantsJSON()  // checked before any work
        var batch = BatchScoringOptions()
        batch.refreshAll = options.flag("refresh-all")
        batch.vertical = try options.choice("vertical", Vertical.allCases.map(\.rawValue))
        batch.days = try options.int("days", default: 7, in: 1...36_500)!
        batch.batchSize = try options.int("batch-size", default: 50_000, in: 1...10_000_000)!
        batch.threads = try options.int("threads", default: defaultThreadCount, in: 1...256)!
        batch.dryRun = options.flag("dry-run")
        if let shard = options.string("shard") {
            let parts = shard.split(separator: "/").map { Int($0) }
            guard parts.count == 2, let k = parts[0], let n = parts[1], n >= 1, (0..<n).contains(k) else {
                throw UsageError(message: "--shard takes K/N with 0 ≤ K < N, e.g. 0/4; got '\(shard)'")
            }
            batch.shard = (k, n)
        }
        let databaseURL = try options.requiredDatabaseURL()
        let catalog: ModelCatalog
        do {
            catalog = try ModelCatalog.load(from: URL(fileURLWithPath: try options.required("models")))
        } catch {
            Console.error("score-batch: cannot load models: \(error)")
            return 1
        }
        var progress: TerminalProgress?
        let summary = try BatchScorer.run(databaseURL: databaseURL, catalog: catalog, options: batch,
                                          total: { progress = TerminalProgress("score-batch", total: $0, unit: "leads") },
                                          progress: { scored, failed in progress?.update(scored + failed, note: failed > 0 ? "\(failed) failed" : nil) })
        let rate = formatCount(Int(summary.leadsPerSecond))
        progress?.finish("\(formatCount(summary.scored)) scored, \(summary.failed) failed, \(rate) leads/s")
        for (id, reason) in summary.invalid.prefix(20) { Console.error("score-batch: lead \(id): \(reason)") }
        if summary.invalid.count > 20 { Console.error("score-batch: … and \(summary.invalid.count - 20) more invalid leads") }
        if json {
            var writer = JSONWriter()
            writer.object { o in  // keys in sorted order, as documented
                o.field("batches", summary.batches)
                o.field("dryRun", summary.dryRun)
                o.field("failed", summary.failed)
                o.field("failedWrites", summary.failedWrites)
                o.key("invalid")
                o.array { a in for lead in summary.invalid { a.object { $0.field("id", lead.id); $0.field("reason", lead.reason) } } }
                o.field("leadsPerSecond", summary.leadsPerSecond)
                o.key("modelVersions")
                o.array { a in for version in summary.modelVersions { a.string(version) } }
                o.field("scored", summary.scored)
                o.field("seconds", summary.seconds)
                o.key("stageSeconds")
                o.object { t in
                    t.field("read", summary.readSeconds)
                    t.field("score", summary.scoreSeconds)
                    t.field("write", summary.writeSeconds)
                    t.field("writeWait", summary.writeWaitSeconds)
                }
            }
            Console.out(String(decoding: writer.bytes, as: UTF8.self))
        } else {
            Console.out("""
                \(summary.dryRun ? "dry run (nothing written): " : "")\(formatCount(summary.scored)) leads scored, \(summary.failed) failed, \
                \(summary.batches) batches in \(formatDuration(summary.seconds)) (\(rate) leads/s) by \(summary.modelVersions.joined(separator: ", "))
                time: read \(formatDuration(summary.readSeconds)), score \(formatDuration(summary.scoreSeconds)), waiting for writes \(formatDuration(summary.writeWaitSeconds)) (writes \(formatDuration(summary.writeSeconds)), overlapped)
                """)
        }
        return summary.failed == 0 ? 0 : 1
    }
}
