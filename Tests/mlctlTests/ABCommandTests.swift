import Foundation
import Testing
import TestSupport
import Training

/// `mlctl db seed --ab-test` and `mlctl ab ...` against a fresh database of the test server.
@Suite(.enabled(if: TestDatabase.isConfigured)) struct ABCommandTests {
    @Test func seedSimulatesAFinishedTestThatTheResultsRecommendDeploying() throws {
        try TestDatabase.withFreshDatabase { url in
            let seed = try CommandRunner.run(["db", "seed", "--database-url", url, "--leads", "60000", "--days", "60", "--ab-test", "ml_lead_scoring_v2"])
            #expect(seed.status == 0, "\(seed.standardError)")
            let list = try CommandRunner.run(["ab", "list", "--database-url", url])
            #expect(list.status == 0 && list.standardOutput.contains("ml_lead_scoring_v2") && list.standardOutput.contains("stopped"))
            let table = try CommandRunner.run(["ab", "results", "--database-url", url, "--name", "ml_lead_scoring_v2"])
            #expect(table.status == 0)
            #expect(table.standardOutput.contains("Recommendation: DEPLOY"), "\(table.standardOutput)")
            #expect(table.standardOutput.contains("sample ratio: OK"))
            let json = try CommandRunner.run(["ab", "results", "--database-url", url, "--name", "ml_lead_scoring_v2", "--format", "json"])
            let document = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
            let variants = document?["variants"] as? [[String: Any]]
            #expect(variants?.map { ($0["leads"] as? Int) ?? 0 }.reduce(0, +) == 60_000)
            #expect((document?["recommendation"] as? [String: Any])?["action"] as? String == "deploy")

            // Create, assign, stop, with the errors the issue names.
            #expect(try CommandRunner.run(["ab", "create", "--database-url", url, "--name", "live", "--split", "70/30"]).status == 0)
            let duplicate = try CommandRunner.run(["ab", "create", "--database-url", url, "--name", "live"])
            #expect(duplicate.status == 1 && duplicate.standardError.contains("exists already"))
            let assigned = try CommandRunner.run(["ab", "assign", "--database-url", url, "--name", "live", "--lead", "7"])
            #expect(assigned.status == 0 && ["control", "treatment"].contains(assigned.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(try CommandRunner.run(["ab", "stop", "--database-url", url, "--name", "live"]).status == 0)
            let again = try CommandRunner.run(["ab", "stop", "--database-url", url, "--name", "live"])
            #expect(again.status == 1 && again.standardError.contains("stopped already"))
            let unknown = try CommandRunner.run(["ab", "results", "--database-url", url, "--name", "nope"])
            #expect(unknown.status == 1 && unknown.standardError.contains("no A/B test named 'nope'"))
        }
    }

    /// `ab create --arms`: three arms, listed with their split and shown one column each; an
    /// arm whose version the registry lacks, a bad list, or --arms with --split are refused.
    @Test func testsOfManyArmsAreCreatedListedAndAnalysed() throws {
        try TestDatabase.withFreshDatabase { url in
            let missing = try CommandRunner.run(["ab", "create", "--database-url", url, "--name", "m", "--arms", "control=rules:50,new=v7:50",
                                                 "--models", TestPaths.temporaryDirectory("mlctl-no-registry").path])
            #expect(missing.status != 0 && missing.standardError.contains("arms[1] (new=v7)"), "\(missing.standardError)")
            let unreadable = try CommandRunner.run(["ab", "create", "--database-url", url, "--name", "m", "--arms", "control=rules:50,new=v7"])
            #expect(unreadable.status != 0 && unreadable.standardError.contains("--arms[1]"), "\(unreadable.standardError)")
            let both = try CommandRunner.run(["ab", "create", "--database-url", url, "--name", "m", "--arms", "control=rules:50,new=v7:50", "--split", "50/50"])
            #expect(both.status != 0 && both.standardError.contains("not both"))
            let created = try CommandRunner.run(["ab", "create", "--database-url", url, "--name", "three", "--arms", "control=rules:50,champion=current:25,challenger=v2:25"])
            #expect(created.status == 0 && created.standardOutput.contains("challenger=v2 25 %"), "\(created.standardError)")
            #expect(try CommandRunner.run(["ab", "list", "--database-url", url]).standardOutput.contains("50/25/25"))
            let assigned = try CommandRunner.run(["ab", "assign", "--database-url", url, "--name", "three", "--lead", "7"])
            #expect(["control", "champion", "challenger"].contains(assigned.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
            let table = try CommandRunner.run(["ab", "results", "--database-url", url, "--name", "three"])
            #expect(table.status == 0 && table.standardOutput.contains("challenger (v2)") && table.standardOutput.contains("champion against control"),
                    "\(table.standardOutput)")

            // Canaries (their logic: CanaryTests): refused without a canary, a version, or while a test runs.
            let noRegistry = TestPaths.temporaryDirectory("mlctl-no-registry").path
            let status = try CommandRunner.run(["models", "canary", "status", "--database-url", url, "--models", noRegistry])
            #expect(status.status == 1 && status.standardError.contains("no canary is running"), "\(status.standardError)")
            let abort = try CommandRunner.run(["models", "canary", "abort", "--database-url", url, "--models", noRegistry])
            #expect(abort.status == 1 && abort.standardError.contains("no canary is running"))
            let noVersion = try CommandRunner.run(["models", "canary", "--database-url", url, "--models", noRegistry, "--version", "v2", "--percent", "10"])
            #expect(noVersion.status == 1 && noVersion.standardError.contains("no version v2"), "\(noVersion.standardError)")
            let tooMuch = try CommandRunner.run(["models", "canary", "--database-url", url, "--models", noRegistry, "--version", "v2", "--percent", "80"])
            #expect(tooMuch.status == 2 && tooMuch.standardError.contains("--percent"), "\(tooMuch.standardError)")
        }
    }
}
