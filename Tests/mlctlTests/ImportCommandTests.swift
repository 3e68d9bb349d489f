import Foundation
import Testing
import TestSupport

/// `mlctl import` then `predict` (with contributions) and `evaluate` on the imported bundle,
/// as a user would; a damaged file exits 1 naming it.
@Suite("Import: mlctl import command")
struct ImportCommandTests {
    /// A public table's model is run on the whole table; a bundled leads model on the fixture's
    /// rows of `mlctl datasets export --format features` (the 50,000 leads with contributions
    /// would take minutes in a debug build).
    @Test(arguments: ["wa_churn.lightgbm.txt", "credit_data.xgboost.json", "leads.lightgbm.txt", "leads.xgboost.json"])
    func importedBundlePredictsAsTheLibrary(_ file: String) throws {
        let directory = TestPaths.temporaryDirectory("import-command")
        defer { try? FileManager.default.removeItem(at: directory) }
        let library = file.hasSuffix(".txt") ? "lightgbm" : "xgboost"
        let table = String(file.prefix { $0 != "." })
        let bundle = directory.appendingPathComponent("bundle").path, scores = directory.appendingPathComponent("scores.csv").path
        let expected = try PublicDatasets.fixture("import/\(file.split(separator: ".").prefix(2).joined(separator: ".")).expected.json")
        let rows = expected["rows"] as! [Int], probabilities = expected["probabilities"] as! [Double]
        let target = table == "leads" ? "converted" : "label"
        // The line of the scores file (after the header) that holds each fixture row.
        let data: String, line: [Int]
        if table == "leads" {
            data = try Self.leadRows(rows, in: directory)
            line = Array(rows.indices)
        } else {
            data = TestPaths.dataset("public/\(table).csv").path
            line = rows
        }
        let imported = try CommandRunner.run(["import", "--from", library, "--model", TestPaths.fixture("import/\(file)").path,
                                              "--out", bundle, "--target", target])
        #expect(imported.status == 0, "\(imported.standardError)")
        let predicted = try CommandRunner.run(["predict", "--model", bundle, "--data", data, "--contributions", "--out", scores])
        #expect(predicted.status == 0, "\(predicted.standardError)")

        let lines = try String(contentsOfFile: scores, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header.first == "score" && header.last == "contrib_bias")
        let contributions = expected["contributions"] as! [[Double]]
        for (k, row) in rows.enumerated() {
            let fields = lines[line[k] + 1].split(separator: ",", omittingEmptySubsequences: false).map { Double($0)! }
            #expect(abs(fields[0] - probabilities[k]) <= 1e-6, "row \(row): score")
            if k < contributions.count {
                for (actual, value) in zip(fields.dropFirst(), contributions[k]) {
                    #expect(abs(actual - value) <= 1e-6 * max(1, abs(value)), "row \(row): contributions")
                }
            }
        }
        let evaluated = try CommandRunner.run(["evaluate", "--model", bundle, "--data", data, "--target", target, "--resamples", "20"])
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        if table == "leads" {
            // evaluate ran on exactly the fixture's rows: its ROC AUC (4 decimals) is the one of
            // the library's probabilities.
            let labels = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.hasSuffix(",1") }
            let reported = evaluated.standardOutput.split(separator: "\n").first { $0.hasPrefix("| roc_auc |") }
                .flatMap { Double($0.split(separator: "|")[1].trimmingCharacters(in: .whitespaces)) }
            let reference = Self.rocAUC(probabilities, positive: labels)
            #expect(reported.map { abs($0 - reference) <= 1e-4 } == true, "evaluate: roc_auc \(String(describing: reported)), library \(reference)")
        }
    }

    /// The Mann–Whitney ROC AUC: the share of (positive, negative) pairs in the right order, ties half.
    static func rocAUC(_ scores: [Double], positive: [Bool]) -> Double {
        var right = 0.0, pairs = 0.0
        for (p, isPositive) in zip(scores, positive) where isPositive {
            for (n, isNegative) in zip(scores, positive) where !isNegative {
                right += p > n ? 1 : p == n ? 0.5 : 0
                pairs += 1
            }
        }
        return right / pairs
    }

    /// A CSV of `rows` (in that order) of the bundled leads' feature table, written by the
    /// binary once per test process and cut here, with its header.
    static func leadRows(_ rows: [Int], in directory: URL) throws -> String {
        let lines = try leadFeatureLines.get()
        let out = directory.appendingPathComponent("leads.csv")
        try ((lines[0] + "\n") + rows.map { lines[$0 + 1] + "\n" }.joined()).write(to: out, atomically: true, encoding: .utf8)
        return out.path
    }

    struct ExportFailed: Error { var standardError: String }

    /// The lines of `mlctl datasets export --format features`, header first.
    static let leadFeatureLines: Result<[String], Error> = Result {
        let directory = TestPaths.temporaryDirectory("import-command-leads")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("leads.csv")
        let exported = try CommandRunner.run(["datasets", "export", "--format", "features", "--out", file.path])
        guard exported.status == 0 else { throw ExportFailed(standardError: exported.standardError) }
        return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
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
