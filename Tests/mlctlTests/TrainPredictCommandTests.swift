import Core
import Foundation
import Testing
import TestSupport
import Training

/// `mlctl train` and `mlctl predict` end to end, on a real table.
@Suite struct TrainPredictCommandTests {
    @Test func trainThenPredictWithContributions() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = TestPaths.dataset("public/credit_data.csv").path
        let model = directory.appendingPathComponent("model").path
        let train = try CommandRunner.run(["train", "--data", data, "--target", "label", "--trees", "30", "--growth", "depthwise",
                                           "--valid", data, "--early-stopping", "5", "--out", model])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardError.contains("wrote \(model)"))
        let manifest = try String(contentsOf: URL(fileURLWithPath: model).appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"format\" : \"mlctl-model-bundle\""))
        let out = directory.appendingPathComponent("scores.csv").path
        let predict = try CommandRunner.run(["predict", "--model", model, "--data", data, "--out", out, "--contributions"])
        #expect(predict.status == 0, "\(predict.standardError)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4455)
        #expect(lines[0].hasPrefix("score,contrib_Seniority,contrib_Home,") && lines[0].hasSuffix(",contrib_bias"))
        // Contributions add up to the log-odds of the score.
        for line in lines.dropFirst().prefix(50) {
            let values = line.split(separator: ",").map { Double($0)! }
            let logit = log(values[0] / (1 - values[0]))
            #expect(abs(values.dropFirst().reduce(0, +) - logit) < 1e-6)
        }
        // Standard output without --out; a target column in the data is ignored.
        let plain = try CommandRunner.run(["predict", "--model", model, "--data", data])
        #expect(plain.status == 0 && plain.standardOutput.split(separator: "\n").count == 4455)
    }

    @Test func badInputGivesClearErrors() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = TestPaths.dataset("public/spam.csv").path
        let badParameter = try CommandRunner.run(["train", "--data", data, "--target", "label", "--num-leaves", "1", "--out", directory.appendingPathComponent("m").path])
        #expect(badParameter.status == 2 && badParameter.standardError.contains("num-leaves must be in 2…131072"))
        let noValid = try CommandRunner.run(["train", "--data", data, "--target", "label", "--early-stopping", "5", "--out", directory.appendingPathComponent("m").path])
        #expect(noValid.status == 2 && noValid.standardError.contains("--early-stopping needs --valid"))
        let logistic = try CommandRunner.run(["train", "--data", data, "--target", "label", "--algorithm", "logistic", "--penalty", "l1", "--solver", "newton",
                                              "--out", directory.appendingPathComponent("m").path])
        #expect(logistic.status == 2 && logistic.standardError.contains("--solver newton needs a smooth penalty"))
        let model = directory.appendingPathComponent("m").path
        #expect(try CommandRunner.run(["train", "--data", data, "--target", "label", "--trees", "3", "--out", model]).status == 0)
        let other = directory.appendingPathComponent("other.csv")
        try "make,address\n0.1,0.2\n".write(to: other, atomically: true, encoding: .utf8)
        let mismatch = try CommandRunner.run(["predict", "--model", model, "--data", other.path])
        #expect(mismatch.status == 1 && mismatch.standardError.contains("the data has no column 'all'"))
        let notABundle = try CommandRunner.run(["predict", "--model", directory.path, "--data", data])
        #expect(notABundle.status == 1 && notABundle.standardError.contains("not a model bundle"))
    }
}

/// `mlctl train --algorithm logistic` end to end: the same --data/--target/--out contract,
/// and predict / evaluate on its bundle.
@Suite struct TrainLogisticCommandTests {
    @Test func trainPredictAndEvaluateALogisticModel() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = TestPaths.dataset("public/credit_data.csv").path
        let model = directory.appendingPathComponent("logistic").path
        let train = try CommandRunner.run(["train", "--algorithm", "logistic", "--data", data, "--target", "label", "--smote", "--smote-ratio", "0.8",
                                           "--C", "0.5", "--valid", data, "--out", model])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardError.contains("SMOTE rows") && train.standardError.contains("validation roc_auc"))
        let manifest = try String(contentsOf: URL(fileURLWithPath: model).appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"modelKind\" : \"logistic\"") && manifest.contains("validation_roc_auc"))

        let predict = try CommandRunner.run(["predict", "--model", model, "--data", data, "--contributions"])
        #expect(predict.status == 0, "\(predict.standardError)")
        let lines = predict.standardOutput.split(separator: "\n")
        #expect(lines.count == 4455 && lines[0].hasPrefix("score,contrib_Seniority,contrib_Home,"))
        for line in lines.dropFirst().prefix(50) {
            let values = line.split(separator: ",").map { Double($0)! }
            #expect(abs(values.dropFirst().reduce(0, +) - log(values[0] / (1 - values[0]))) < 1e-9)
        }
        let evaluate = try CommandRunner.run(["evaluate", "--model", model, "--data", data, "--target", "label", "--resamples", "20", "--format", "json"])
        #expect(evaluate.status == 0 && evaluate.standardOutput.contains("\"roc_auc\""), "\(evaluate.standardError)")
    }

    @Test func optionsOfTheOtherAlgorithmAreRejected() throws {
        let data = TestPaths.dataset("public/credit_data.csv").path
        let trees = try CommandRunner.run(["train", "--algorithm", "logistic", "--data", data, "--target", "label", "--trees", "5", "--out", "/tmp/unused"])
        #expect(trees.status == 2 && trees.standardError.contains("'--trees' does not apply to --algorithm logistic"))
        let smote = try CommandRunner.run(["train", "--data", data, "--target", "label", "--smote", "--out", "/tmp/unused"])
        #expect(smote.status == 2 && smote.standardError.contains("'--smote' does not apply to --algorithm gbdt"))
        let ratio = try CommandRunner.run(["train", "--algorithm", "logistic", "--data", data, "--target", "label", "--smote-ratio", "0.5", "--out", "/tmp/unused"])
        #expect(ratio.status == 2 && ratio.standardError.contains("--smote-ratio needs --smote"))
    }
}
