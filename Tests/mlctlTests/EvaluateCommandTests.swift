import Foundation
import Testing
import TestSupport

/// `mlctl evaluate` on bundles made by `mlctl train`.
@Suite struct EvaluateCommandTests {
    @Test func evaluatesAndComparesModels() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = TestPaths.dataset("public/credit_data.csv").path
        let strong = directory.appendingPathComponent("strong").path, weak = directory.appendingPathComponent("weak").path
        #expect(try CommandRunner.run(["train", "--data", data, "--target", "label", "--trees", "40", "--out", strong]).status == 0)
        #expect(try CommandRunner.run(["train", "--data", data, "--target", "label", "--trees", "2", "--num-leaves", "2", "--out", weak]).status == 0)

        let single = try CommandRunner.run(["evaluate", "--model", strong, "--data", data, "--target", "label", "--format", "json", "--resamples", "50"])
        #expect(single.status == 0, "\(single.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(single.standardOutput.utf8)) as! [String: Any]
        let model = (json["models"] as! [[String: Any]])[0]
        let metrics = model["metrics"] as! [String: Double]
        let interval = (model["intervals"] as! [String: [String: Double]])["roc_auc"]!
        #expect(metrics["roc_auc"]! > 0.85 && interval["lower"]! <= metrics["roc_auc"]! && metrics["roc_auc"]! <= interval["upper"]!)
        #expect(abs(metrics["gini"]! - (2 * metrics["roc_auc"]! - 1)) < 1e-12)
        #expect(model["rows"] as? Int == 4454)

        let out = directory.appendingPathComponent("compare.md").path
        // --format text is the markdown report.
        let compare = try CommandRunner.run(["evaluate", "--compare", "\(strong),\(weak)", "--data", data, "--target", "label", "--resamples", "50",
                                             "--format", "text", "--out", out])
        #expect(compare.status == 0, "\(compare.standardError)")
        let markdown = try String(contentsOfFile: out, encoding: .utf8)
        #expect(markdown.contains("## DeLong's test against \(strong)") && markdown.contains("| roc_auc |"))

        let html = directory.appendingPathComponent("report.html").path
        let page = try CommandRunner.run(["evaluate", "--compare", "\(strong),\(weak)", "--data", data, "--target", "label", "--resamples", "20",
                                          "--format", "html", "--out", html])
        #expect(page.status == 0, "\(page.standardError)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.hasPrefix("<!DOCTYPE html>") && text.hasSuffix("</html>"))
        #expect(text.components(separatedBy: "<svg").count - 1 == 8)  // ROC, PR, reliability, gain, lift, distribution, importance, SHAP summary
        #expect(text.contains("SHAP summary") && text.contains("<circle"))
        #expect(!text.contains("<script") && !text.contains("http://") || text.contains("xmlns=\"http://www.w3.org/2000/svg\""))

        let usage = try CommandRunner.run(["evaluate", "--data", data, "--target", "label"])
        #expect(usage.status == 2 && usage.standardError.contains("give either --model DIR or --compare"))
        let badTarget = try CommandRunner.run(["evaluate", "--model", strong, "--data", data, "--target", "Age"])
        #expect(badTarget.status == 1 && badTarget.standardError.contains("the label must be 0 or 1"))
    }
}
