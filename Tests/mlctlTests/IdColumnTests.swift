import Foundation
import Testing
import TestSupport

/// Ids are never features (issue #23): `--id-column` and `--ignore-columns` on the commands
/// that read tables, `predict` writing the id (and `--keep-columns`) before the score, and a
/// warning naming a categorical column with a distinct value on nearly every row.
@Suite struct IdColumnTests {
    static func table(in directory: URL) throws -> URL {
        var text = "customer_id,age,plan,label\n"
        var state: UInt64 = 7
        for i in 0..<300 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let age = 18 + Int(state >> 58), plan = ["a", "b", "c"][i % 3]
            text += "cust-\(1000 + i),\(age),\(plan),\(age > 50 || (state >> 40) % 5 == 0 ? 1 : 0)\n"
        }
        let url = directory.appendingPathComponent("customers.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func inputSchema(_ bundle: String) throws -> [String] {
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle + "/manifest.json"))) as! [String: Any]
        return (manifest["inputSchema"] as! [[String: Any]]).map { $0["name"] as! String }
    }

    @Test func idsAreLeftOutAndWrittenBesideTheScores() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Self.table(in: directory).path
        let model = directory.appendingPathComponent("m").path
        let warned = try CommandRunner.run(["train", "--data", data, "--target", "label", "--trees", "5", "--out", model])
        #expect(warned.status == 0 && warned.standardError.contains("column 'customer_id' has a distinct value on 100 % of the rows")
                && warned.standardError.contains("--id-column customer_id"), "\(warned.standardError)")
        #expect(try Self.inputSchema(model).contains("customer_id"))
        let trained = try CommandRunner.run(["train", "--data", data, "--target", "label", "--trees", "5", "--id-column", "customer_id", "--out", model])
        #expect(trained.status == 0 && !trained.standardError.contains("warning"), "\(trained.standardError)")
        #expect(try Self.inputSchema(model) == ["age", "plan"])

        let predicted = try CommandRunner.run(["predict", "--model", model, "--data", data, "--id-column", "customer_id", "--keep-columns", "plan, label"])
        #expect(predicted.status == 0, "\(predicted.standardError)")
        let lines = predicted.standardOutput.split(separator: "\n")
        let input = try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "customer_id,plan,label,score" && lines.count == input.count)
        for (output, row) in zip(lines.dropFirst(), input.dropFirst()).prefix(50) {
            let o = output.split(separator: ","), r = row.split(separator: ",")
            #expect(o[0] == r[0] && o[1] == r[2] && o[2] == r[3] && Double(o[3]) != nil, "\(output) for \(row)")
        }
        let plain = try CommandRunner.run(["predict", "--model", model, "--data", data])
        let plainScores: [String] = plain.standardOutput.split(separator: "\n").dropFirst().map { String($0) }
        let copiedScores: [String] = lines.dropFirst().map { line in String(line.split(separator: ",")[3]) }
        #expect(plainScores == copiedScores, "the same scores with and without the copied columns")
        let missing = try CommandRunner.run(["predict", "--model", model, "--data", data, "--id-column", "lead_id"])
        #expect(missing.status == 1 && missing.standardError.contains("no column 'lead_id'"), "\(missing.standardError)")
        let evaluated = try CommandRunner.run(["evaluate", "--model", model, "--data", data, "--target", "label", "--id-column", "customer_id"])
        #expect(evaluated.status == 0 && evaluated.standardOutput.contains("| roc_auc |"), "\(evaluated.standardError)")
    }

    @Test func tuneAndTrainAllLeaveIdsOut() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Self.table(in: directory).path
        let tuned = directory.appendingPathComponent("tuned").path
        let tune = try CommandRunner.run(["tune", "--data", data, "--target", "label", "--algorithm", "logistic", "--trials", "2", "--cv", "2",
                                          "--ignore-columns", "customer_id", "--out", tuned])
        #expect(tune.status == 0 && !tune.standardError.contains("warning"), "\(tune.standardError)")
        #expect(try Self.inputSchema(tuned) == ["age", "plan"])
        let registry = directory.appendingPathComponent("models").path
        let arguments = ["train-all", "--data", data, "--target", "label", "--trials", "1", "--cv", "2", "--resamples", "10", "--out", registry]
        let warned = try CommandRunner.run(arguments)
        #expect(warned.status == 0 && warned.standardError.contains("train-all: warning: column 'customer_id'"), "\(warned.standardError)")
        let clean = try CommandRunner.run(arguments + ["--id-column", "customer_id"])
        #expect(clean.status == 0 && !clean.standardError.contains("warning: column"), "\(clean.standardError)")
        #expect(!(try Self.inputSchema(registry + "/current/global")).contains("customer_id"))
    }
}
