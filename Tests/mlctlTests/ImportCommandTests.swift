import Foundation
import Testing
import TestSupport

/// `mlctl import` then `predict` (with contributions) and `evaluate` on the imported bundle,
/// as a user would; a damaged file exits 1 naming it.
@Suite("Import: mlctl import command")
struct ImportCommandTests {
    @Test(arguments: ["wa_churn.lightgbm.txt", "credit_data.xgboost.json"])
    func importedBundlePredictsAsTheLibrary(_ file: String) throws {
        let directory = TestPaths.temporaryDirectory("import-command")
        defer { try? FileManager.default.removeItem(at: directory) }
        let library = file.hasSuffix(".txt") ? "lightgbm" : "xgboost"
        let table = String(file.prefix { $0 != "." })
        let bundle = directory.appendingPathComponent("bundle").path, scores = directory.appendingPathComponent("scores.csv").path
        let data = TestPaths.dataset("public/\(table).csv").path
        let imported = try CommandRunner.run(["import", "--from", library, "--model", TestPaths.fixture("import/\(file)").path,
                                              "--out", bundle, "--target", "label"])
        #expect(imported.status == 0, "\(imported.standardError)")
        let predicted = try CommandRunner.run(["predict", "--model", bundle, "--data", data, "--contributions", "--out", scores])
        #expect(predicted.status == 0, "\(predicted.standardError)")

        let expected = try PublicDatasets.fixture("import/\(file.split(separator: ".").prefix(2).joined(separator: ".")).expected.json")
        let lines = try String(contentsOfFile: scores, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header.first == "score" && header.last == "contrib_bias")
        let rows = expected["rows"] as! [Int], probabilities = expected["probabilities"] as! [Double]
        let contributions = expected["contributions"] as! [[Double]]
        for (k, row) in rows.enumerated() {
            let fields = lines[row + 1].split(separator: ",", omittingEmptySubsequences: false).map { Double($0)! }
            #expect(abs(fields[0] - probabilities[k]) <= 1e-6, "row \(row): score")
            if k < contributions.count {
                for (actual, value) in zip(fields.dropFirst(), contributions[k]) {
                    #expect(abs(actual - value) <= 1e-6 * max(1, abs(value)), "row \(row): contributions")
                }
            }
        }
        let evaluated = try CommandRunner.run(["evaluate", "--model", bundle, "--data", data, "--target", "label", "--resamples", "20"])
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
    }

    @Test func damagedFileExitsOneNamingIt() throws {
        let directory = TestPaths.temporaryDirectory("import-command")
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = directory.appendingPathComponent("model.txt")
        try Data("tree\nversion=v4\n".utf8).write(to: model)
        let bundle = directory.appendingPathComponent("bundle")
        let outcome = try CommandRunner.run(["import", "--from", "lightgbm", "--model", model.path, "--out", bundle.path])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("\(model.path): truncated: no 'end of trees' line"), "\(outcome.standardError)")
        #expect(!FileManager.default.fileExists(atPath: bundle.path))
        let usage = try CommandRunner.run(["import", "--from", "catboost", "--model", model.path, "--out", bundle.path])
        #expect(usage.status == 2 && usage.standardError.contains("--from must be lightgbm or xgboost"))
    }
}
