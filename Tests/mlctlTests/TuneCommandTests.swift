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
        // Another seed does not silently reuse that study.
        let mismatch = try CommandRunner.run(["tune", "--data", data, "--target", "label", "--algorithm", "logistic", "--trials", "8",
                                              "--seed", "3", "--study", study, "--out", out])
        #expect(mismatch.status == 1 && mismatch.standardError.contains("made with seed 0"))
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
