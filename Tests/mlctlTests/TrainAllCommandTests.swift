import Evaluation
import Foundation
import Testing
import TestSupport
import Serving

/// `train-all` end to end on a real table: a registry version with every model, its summary
/// and report; predicting from `current/global`; the `models` commands; a second run, rollback.
@Suite struct TrainAllCommandTests {
    /// A 400-row table with a numeric and a categorical column and a 0/1 label `y`.
    static func smallTable(in directory: URL) throws -> URL {
        let csv = directory.appendingPathComponent("t.csv")
        var text = "x,c,y\n"
        for i in 0..<400 { text += "\(i % 89),\(["a", "b"][i % 2]),\(i % 5 == 0 ? 1 : 0)\n" }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        return csv
    }

    /// A 600-row table with two numeric columns, a categorical one and a 0/1 label `y`.
    static func threeColumnTable(in directory: URL) throws -> URL {
        let csv = directory.appendingPathComponent("t.csv")
        var text = "x,z,c,y\n"
        for i in 0..<600 { text += "\(i % 97),\(Double(i % 13) / 3),\(["a", "b", "c"][i % 3]),\(i % 7 == 0 || i % 11 == 0 ? 1 : 0)\n" }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        return csv
    }

    @Test func trainAllThenPredictAndManageTheRegistry() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = TestPaths.dataset("public/credit_data.csv").path
        let registry = directory.appendingPathComponent("models").path
        let first = try CommandRunner.run(["train-all", "--data", data, "--target", "label", "--trials", "1", "--cv", "2",
                                           "--resamples", "20", "--out", registry])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("gbdt-oblivious") && first.standardOutput.contains("DeLong"))
        let version = URL(fileURLWithPath: registry).appendingPathComponent("versions/v1")
        for name in ["baseline", "gbdt-leafwise", "gbdt-depthwise", "gbdt-oblivious", "ensemble", "global"] {
            #expect(FileManager.default.fileExists(atPath: version.appendingPathComponent("\(name)/manifest.json").path), "\(name)")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: version.appendingPathComponent("summary.json"))) as! [String: Any]
        #expect((summary["models"] as! [Any]).count == 5 && (summary["stages"] as! [Any]).count >= 6 )
        // The served model and the numbers it was chosen on.
        let servedModel = summary["global"] as! String
        let servedSection = summary["served"] as! [String: Any]
        #expect(servedSection["model"] as? String == servedModel && (servedSection["decision"] as! String).hasPrefix("\(servedModel) serves: "))
        let servedCandidates = servedSection["candidates"] as! [[String: Any]]
        #expect(servedCandidates.count == 5 && servedCandidates.allSatisfy { ($0["score_and_explain_us"] as! Double) > 0 && ($0["explanation_work"] as! Int) > 0 })
        let chosen = servedCandidates.first { $0["name"] as? String == servedModel }!
        #expect(chosen["within_noise"] as? Bool == true)
        #expect(servedCandidates.filter { $0["within_noise"] as? Bool == true }.allSatisfy { ($0["explanation_work"] as! Int) >= (chosen["explanation_work"] as! Int) })
        let html = try String(contentsOf: version.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("baseline") && html.contains("SHAP summary"))
        // The plots about one model are the served model's, and say so (they were titled with
        // the baseline's name, and the score distribution was the baseline's).
        // Calibration is served only where it lowered the validation log loss out of sample,
        // and the summary says so with the numbers.
        let calibration = summary["calibration"] as! [String: Any]
        let crossFitted = calibration["valid_log_loss_platt_cross_fitted"] as! Double, uncalibrated = calibration["valid_log_loss_uncalibrated"] as! Double
        let gainP = calibration["valid_gain_one_sided_p_value"] as! Double
        #expect((calibration["method"] as? String == "platt") == (crossFitted < uncalibrated && gainP < 0.05), "\(calibration)")
        #expect((calibration["decision"] as! String).contains(String(format: "%.5f vs %.5f uncalibrated", crossFitted, uncalibrated)))
        for key in ["test_log_loss_uncalibrated", "test_log_loss_platt", "test_ece_platt", "test_ece_before", "test_ece_after"] {
            #expect(calibration[key] is Double, "\(key)")
        }
        let served = "global = \(servedModel), \(calibration["method"] as? String == "platt" ? "calibrated" : "uncalibrated")"
        for title in ["SHAP summary (served model: \(served), ", "Score distribution by class (served model: \(served))",
                      "Feature importance (served model: \(served), "] {
            #expect(html.contains(title), "\(title)")
        }

        // The current global model predicts like any bundle.
        let predictAll = try CommandRunner.run(["predict", "--model", registry + "/current/global", "--data", data])
        #expect(predictAll.status == 0 && predictAll.standardOutput.split(separator: "\n").count == 4455, "\(predictAll.standardError)")
        // Contributions (TreeSHAP of every tree member: slow in a debug build) on the first 30 rows.
        let head = directory.appendingPathComponent("head.csv")
        try (try String(contentsOfFile: data, encoding: .utf8)).split(separator: "\n").prefix(31).joined(separator: "\n").appending("\n")
            .write(to: head, atomically: true, encoding: .utf8)
        let predict = try CommandRunner.run(["predict", "--model", registry + "/current/global", "--data", head.path, "--contributions"])
        #expect(predict.status == 0 && predict.standardOutput.split(separator: "\n").count == 31, "\(predict.standardError)")
        // Calibrated scores with quality levels; the contributions still add up to the log-odds of the score.
        let lines = predict.standardOutput.split(separator: "\n")
        #expect(lines[0].hasPrefix("score,quality,contrib_"))
        for line in lines.dropFirst().prefix(20) {
            let fields = line.split(separator: ",")
            #expect(["High", "Medium", "Low", "Very Low"].contains(String(fields[1])))
            let values = ([fields[0]] + fields.dropFirst(2)).map { Double($0)! }
            #expect(abs(values.dropFirst().reduce(0, +) - log(values[0] / (1 - values[0]))) < 1e-6)
        }
        #expect(summary["calibration"] != nil && summary["quality_levels"] != nil)

        // `mlctl serve` serves the registry: any bundle through predict; the lead routes answer
        // 503 (this table is not leads); SIGTERM ends it with status 0.
        let server = try ServeProcess(["serve", "--models", registry, "--port", "0", "--quiet", "--threads", "1"])
        let client = try TestHTTPClient(port: server.port)
        let firstRow = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").prefix(2).map { $0.split(separator: ",").map(String.init) }
        let instance = zip(firstRow[0], firstRow[1]).filter { $0.0 != "label" }.map { "\"\($0.0)\": \(Double($0.1) != nil ? $0.1 : "\"\($0.1)\"")" }
        let predicted = try client.request("POST", "/api/v1/models/global/predict", body: "{\"instances\": [{\(instance.joined(separator: ", "))}]}")
        #expect(predicted.status == 200, "\(predicted.text)")
        let scoreLine = predictAll.standardOutput.split(separator: "\n")[1]
        if case .array(let predictions)? = predicted.json?["predictions"], case .number(let score)? = predictions.first?["score"] {
            #expect(abs(score - Double(scoreLine.split(separator: ",")[0])!) < 1e-9, "serve and predict agree")
        } else {
            Issue.record(Comment(rawValue: predicted.text))
        }
        #expect(try client.request("POST", "/api/v1/lead-scoring-ml/score", body: "{\"lead\": {\"vertical\": \"pc\"}}").status == 503)
        #expect(try client.request("GET", "/api/v1/lead-scoring-ml/models").json?["version"] == .string("v1"))
        #expect(server.terminate() == 0)

        // A second run adds v2 and makes it current; rollback returns to v1.
        let second = try CommandRunner.run(["train-all", "--data", data, "--target", "label", "--trials", "1", "--cv", "2",
                                            "--resamples", "10", "--seed", "7", "--out", registry, "--format", "json"])
        #expect(second.status == 0, "\(second.standardError)")
        // --format json: standard output is the new version's summary.json, and nothing else.
        let printed = try JSONSerialization.jsonObject(with: Data(second.standardOutput.utf8)) as? [String: Any]
        let written = try Data(contentsOf: URL(fileURLWithPath: registry).appendingPathComponent("versions/v2/summary.json"))
        #expect(second.standardOutput.trimmingCharacters(in: .newlines) == String(decoding: written, as: UTF8.self).trimmingCharacters(in: .newlines))
        #expect(printed?["global"] is String && second.standardError.contains("rows"), "\(second.standardError)")
        let list = try CommandRunner.run(["models", "list", "--models", registry])
        #expect(list.status == 0 && list.standardOutput.contains("* v2") && list.standardOutput.contains("  v1"))
        let show = try CommandRunner.run(["models", "show", "--models", registry, "--version", "v1"])
        #expect(show.status == 0 && show.standardOutput.contains("gbdt-leafwise") && show.standardOutput.contains("global model:"))
        // The same as JSON, for scripts.
        let listJSON = try JSONSerialization.jsonObject(with: Data(try CommandRunner.run(["models", "list", "--models", registry, "--format", "json"]).standardOutput.utf8)) as! [String: Any]
        #expect(listJSON["current"] as? String == "v2" && (listJSON["versions"] as! [[String: Any]]).map { $0["version"] as! String } == ["v1", "v2"])
        #expect((listJSON["versions"] as! [[String: Any]]).allSatisfy { ($0["global_test_roc_auc"] as? Double ?? 0) > 0.5 })
        let showJSON = try JSONSerialization.jsonObject(with: Data(try CommandRunner.run(["models", "show", "--models", registry, "--version", "v1", "--format", "json"]).standardOutput.utf8)) as! [String: Any]
        #expect(showJSON["version"] as? String == "v1" && showJSON["current"] as? Bool == false && (showJSON["files"] as! [String]).contains("global"))
        #expect(((showJSON["summary"] as! [String: Any])["served"] as? [String: Any]) != nil)
        let rollback = try CommandRunner.run(["models", "rollback", "--models", registry])
        #expect(rollback.status == 0 && rollback.standardOutput.contains("v1 is current again"))
        let destination = try FileManager.default.destinationOfSymbolicLink(atPath: registry + "/current")
        #expect(destination == "versions/v1")
        let promote = try CommandRunner.run(["models", "promote", "--models", registry, "--version", "v2"])
        #expect(promote.status == 0)
        let missing = try CommandRunner.run(["models", "promote", "--models", registry, "--version", "v9"])
        #expect(missing.status == 1 && missing.standardError.contains("no version 'v9'"))
        let notRegistry = try CommandRunner.run(["models", "list", "--models", directory.path])
        #expect(notRegistry.status == 1 && notRegistry.standardError.contains("not a model registry"))
    }

    /// `--timeout` bounds the tuning: 10,000 trials requested, the run still ends in seconds,
    /// with the trials that fitted in the time.
    @Test func timeoutBoundsTheTuning() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = try Self.threeColumnTable(in: directory)
        let registry = directory.appendingPathComponent("models")
        let started = Date()
        let outcome = try CommandRunner.run(["train-all", "--data", csv.path, "--target", "y", "--trials", "10000", "--timeout", "6s",
                                             "--cv", "2", "--resamples", "10", "--out", registry.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(Date().timeIntervalSince(started) < 120)
        let trials = try ["gbdt-leafwise", "gbdt-depthwise", "gbdt-oblivious"].map { name -> Double in
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: registry.appendingPathComponent("current/\(name)/manifest.json"))) as! [String: Any]
            return (manifest["metrics"] as! [String: Any])["tuning_trials"] as! Double
        }
        #expect(trials.allSatisfy { $0 >= 1 && $0 < 10_000 }, "\(trials)")
        let html = try String(contentsOf: registry.appendingPathComponent("current/report.html"), encoding: .utf8)
        #expect(html.contains("Calibration and quality levels of the global model") && html.contains("Per-vertical models"))
    }

    /// A stage that fails names itself and its reason, and the registry is left as it was.
    @Test func aFailingStageNamesItselfAndWritesNothing() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = try Self.smallTable(in: directory)
        // The registry's versions/ is a file: the last stage cannot write.
        let registry = directory.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: registry, withIntermediateDirectories: true)
        try Data("not a directory".utf8).write(to: registry.appendingPathComponent("versions"))
        let outcome = try CommandRunner.run(["train-all", "--data", csv.path, "--target", "y", "--trials", "1", "--cv", "2",
                                             "--resamples", "10", "--out", registry.path])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("stage 'write registry' failed"), "\(outcome.standardError)")
        let left = try FileManager.default.contentsOfDirectory(atPath: registry.path).filter { !$0.hasPrefix(".studies") }
        #expect(left == ["versions"], "nothing else written: \(left)")
        #expect(try String(contentsOf: registry.appendingPathComponent("versions"), encoding: .utf8) == "not a directory")
    }

    /// Started again after an interruption (here: with more trials asked), train-all resumes
    /// each variant's study from models/.studies instead of starting over — on the same data
    /// only: a run on another table into the same registry tunes afresh.
    @Test func aSecondRunResumesTheTuningStudies() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = try Self.smallTable(in: directory)
        let registry = directory.appendingPathComponent("models").path
        let arguments = ["train-all", "--data", csv.path, "--target", "y", "--cv", "2", "--resamples", "10", "--out", registry]
        let first = try CommandRunner.run(arguments + ["--trials", "2"])
        #expect(first.status == 0, "\(first.standardError)")
        let second = try CommandRunner.run(arguments + ["--trials", "3"])
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardError.components(separatedBy: "after 1 new trials").count - 1 == 3, "\(second.standardError)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registry + "/current/gbdt-leafwise/manifest.json"))) as! [String: Any]
        #expect((manifest["metrics"] as! [String: Any])["tuning_trials"] as? Double == 3)

        // v3 on another table into the same registry (a weekly retrain): every study starts
        // afresh, says why, and its CV AUC is the new table's.
        func studiedData() throws -> [String] {
            let studies = URL(fileURLWithPath: registry).appendingPathComponent(".studies")
            return try FileManager.default.contentsOfDirectory(atPath: studies.path).sorted().map { name in
                let study = try JSONSerialization.jsonObject(with: Data(contentsOf: studies.appendingPathComponent(name))) as! [String: Any]
                return (study["context"] as? [String: Any])?["data"] as? String ?? "none"
            }
        }
        let before = try studiedData()
        let other = directory.appendingPathComponent("other.csv")
        var text = "x,c,y\n"
        for i in 0..<400 { text += "\(i % 61),\(["a", "b", "c"][i % 3]),\(i % 4 == 0 || i % 61 < 9 ? 1 : 0)\n" }
        try text.write(to: other, atomically: true, encoding: .utf8)
        let third = try CommandRunner.run(["train-all", "--data", other.path, "--target", "y", "--cv", "2", "--resamples", "10", "--out", registry, "--trials", "3"])
        #expect(third.status == 0, "\(third.standardError)")
        #expect(third.standardError.components(separatedBy: "tuning afresh: the study stored there was made for other data").count - 1 == 3, "\(third.standardError)")
        #expect(!third.standardError.contains("resuming") && third.standardError.components(separatedBy: "after 3 new trials").count - 1 == 3)
        let after = try studiedData()
        #expect(before.count == 3 && after.count == 3 && !before.contains("none") && zip(before, after).allSatisfy { $0 != $1 },
                "each study records the data it was run on: \(before) then \(after)")
    }

    /// The same seed and SOURCE_DATE_EPOCH give the same bundles, byte for byte.
    @Test func aRunIsReproducibleBitForBit() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = try Self.threeColumnTable(in: directory)
        var versions: [URL] = []
        for run in 0..<2 {
            let registry = directory.appendingPathComponent("models\(run)")
            let outcome = try CommandRunner.run(["train-all", "--data", csv.path, "--target", "y", "--trials", "2", "--cv", "2", "--resamples", "10",
                                                 "--seed", "5", "--threads", run == 0 ? "1" : "2", "--out", registry.path],
                                                environment: ["SOURCE_DATE_EPOCH": "1795600000"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            versions.append(registry.appendingPathComponent("versions/v1"))
        }
        let bundles = try FileManager.default.contentsOfDirectory(atPath: versions[0].path).filter {
            FileManager.default.fileExists(atPath: versions[0].appendingPathComponent("\($0)/manifest.json").path)
        }
        #expect(bundles.count >= 6)
        for bundle in bundles {
            for file in try FileManager.default.contentsOfDirectory(atPath: versions[0].appendingPathComponent(bundle).path) {
                let a = try Data(contentsOf: versions[0].appendingPathComponent("\(bundle)/\(file)"))
                let b = try Data(contentsOf: versions[1].appendingPathComponent("\(bundle)/\(file)"))
                #expect(a == b, "\(bundle)/\(file) differs between runs (1 and 2 threads)")
            }
        }
    }
}


/// train-all reading leads from PostgreSQL (features by the one FeatureExtractor).
@Suite(.enabled(if: TestDatabase.isConfigured)) struct TrainAllFromDatabaseTests {
    @Test func trainAllFromPostgreSQL() throws {
        try TestDatabase.withFreshDatabase { url in
            let directory = TestPaths.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            #expect(try CommandRunner.run(["db", "migrate", "--database-url", url]).status == 0)
            #expect(try CommandRunner.run(["db", "seed", "--database-url", url, "--leads", "3000", "--seed", "3"]).status == 0)
            let registry = directory.appendingPathComponent("models").path
            let run = try CommandRunner.run(["train-all", "--database-url", url, "--days", "3650", "--trials", "1", "--cv", "2",
                                             "--resamples", "10", "--out", registry])
            #expect(run.status == 0, "\(run.standardError)")
            #expect(run.standardOutput.contains("PostgreSQL (3,000 leads)"), "\(run.standardOutput)")
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registry + "/current/summary.json"))) as! [String: Any]
            #expect((summary["source"] as? String)?.contains("PostgreSQL") == true)
            let onePC = try CommandRunner.run(["train-all", "--database-url", url, "--vertical", "pc", "--trials", "1", "--cv", "2",
                                               "--resamples", "10", "--no-promote", "--out", registry])
            #expect(onePC.status == 0, "\(onePC.standardError)")
            #expect(!onePC.standardOutput.contains("PostgreSQL (3,000 leads)"))
        }
    }
}
