import Foundation
import Testing
import TestSupport

/// `mlctl tune` end to end: a search, its bundle and history, resuming, bad options.
@Suite struct TuneCommandTests {
    @Test func tuneWritesTheBestModelAndResumes() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = TestPaths.dataset("public/credit_data.csv").path
        let out = directory.appendingPathComponent("tuned").path
        let study = directory.appendingPathComponent("study.json").path
        let first = try CommandRunner.run(["tune", "--data", data, "--target", "label", "--algorithm", "logistic", "--trials", "4",
                                           "--sampler", "random", "--cv", "3", "--study", study, "--out", out])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardError.contains("trial 4/4") && first.standardError.contains("best trial #"))
        let manifest = try String(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"cv_roc_auc\"") && manifest.contains("tuning.json"))
        // The bundle predicts like any other.
        let predict = try CommandRunner.run(["predict", "--model", out, "--data", data])
        #expect(predict.status == 0 && predict.standardOutput.split(separator: "\n").count == 4455)

        // Asking for more trials resumes the study instead of starting again.
        let second = try CommandRunner.run(["tune", "--data", data, "--target", "label", "--algorithm", "logistic", "--trials", "7",
                                            "--sampler", "random", "--cv", "3", "--study", study, "--out", out])
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardError.contains("resuming \(study) with 4 trials done"))
        #expect(!second.standardError.contains("trial 4/7") && second.standardError.contains("trial 7/7"))
        let history = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: study))) as! [String: Any]
        #expect((history["trials"] as! [Any]).count == 7)
        // Another seed does not silently reuse that study: --resume insists and fails.
        let mismatch = try CommandRunner.run(["tune", "--data", data, "--target", "label", "--algorithm", "logistic", "--trials", "8",
                                              "--seed", "3", "--study", study, "--out", out, "--resume"])
        #expect(mismatch.status == 1 && mismatch.standardError.contains("cannot resume: the study was made for seed 0, not 3"), "\(mismatch.standardError)")
        let kept = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: study))) as! [String: Any]
        #expect((kept["trials"] as! [Any]).count == 7, "a refused resume leaves the study as it was")
    }

    /// A study records what it was run on: on another table (a weekly retrain) the same
    /// command starts a fresh study and says why, so its trials and CV score are the new
    /// table's; --fresh always starts afresh, --resume refuses.
    @Test func aStudyOfOtherDataIsNotResumed() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = TestPaths.dataset("public/credit_data.csv").path
        let lines = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let smaller = directory.appendingPathComponent("smaller.csv")
        try (lines.prefix(1200).joined(separator: "\n") + "\n").write(to: smaller, atomically: true, encoding: .utf8)
        let study = directory.appendingPathComponent("study.json").path, out = directory.appendingPathComponent("tuned").path
        func tune(_ table: String, _ trials: Int, _ extra: [String] = []) throws -> CommandRunner.Outcome {
            try CommandRunner.run(["tune", "--data", table, "--target", "label", "--algorithm", "logistic", "--trials", String(trials),
                                   "--sampler", "random", "--cv", "3", "--study", study, "--out", out] + extra)
        }
        func storedTrials() throws -> [[String: Any]] {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: study))) as! [String: Any])["trials"] as! [[String: Any]]
        }
        #expect(try tune(data, 3).status == 0)
        let onA = try storedTrials().compactMap { $0["value"] as? Double }
        let refused = try tune(smaller.path, 5, ["--resume"])
        #expect(refused.status == 1 && refused.standardError.contains("cannot resume: the study was made for other data"), "\(refused.standardError)")
        let onB = try tune(smaller.path, 5)
        #expect(onB.status == 0, "\(onB.standardError)")
        #expect(onB.standardError.contains("starting a fresh study") && onB.standardError.contains("other data"), "\(onB.standardError)")
        #expect(!onB.standardError.contains("resuming"))
        let trialsOnB = try storedTrials()
        #expect(trialsOnB.count == 5, "all of v2's trials are new")
        #expect(trialsOnB.prefix(3).compactMap { $0["value"] as? Double } != onA, "the scores are the new table's")
        let manifest = try String(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"trainingRows\" : 1199"), "the bundle is the new table's")
        // Another metric (log loss is minimised) is not resumed either; --fresh starts over even on the same data.
        let otherMetric = try tune(smaller.path, 6, ["--metric", "log_loss"])
        #expect(otherMetric.status == 0 && otherMetric.standardError.contains("made for the opposite direction"), "\(otherMetric.standardError)")
        let fresh = try tune(smaller.path, 2, ["--fresh"])
        let afterFresh = try storedTrials().count
        #expect(fresh.status == 0 && fresh.standardError.contains("--fresh discards") && afterFresh == 2, "\(fresh.standardError)")
    }

    @Test func gbdtSearchRunsWithPruning() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = TestPaths.dataset("public/credit_data.csv").path
        let out = directory.appendingPathComponent("tuned").path
        let run = try CommandRunner.run(["tune", "--data", data, "--target", "label", "--trials", "3", "--cv", "2", "--trees", "20",
                                         "--early-stopping", "5", "--pruner", "asha", "--sampler", "tpe-multivariate", "--out", out])
        #expect(run.status == 0, "\(run.standardError)")
        let manifest = try String(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"modelKind\" : \"gbdt\""))
    }

    @Test func badOptionsAreRejected() throws {
        let data = TestPaths.dataset("public/credit_data.csv").path
        let timeout = try CommandRunner.run(["tune", "--data", data, "--target", "label", "--trials", "3", "--timeout", "soon", "--out", "/tmp/unused"])
        #expect(timeout.status == 2 && timeout.standardError.contains("--timeout"))
        let sampler = try CommandRunner.run(["tune", "--data", data, "--target", "label", "--trials", "3", "--sampler", "bayes", "--out", "/tmp/unused"])
        #expect(sampler.status == 2 && sampler.standardError.contains("tpe, tpe-multivariate, gp, random"))
    }
}
