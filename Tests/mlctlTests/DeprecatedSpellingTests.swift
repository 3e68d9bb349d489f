import Foundation
import Testing
import TestSupport

/// One convention on every command (`--format text|json` for output people script against,
/// `--model` for a bundle, `--models` for a registry, `--data`, `--out`), with the spellings it
/// replaced still working for one release: each does what its replacement does, and says so
/// on standard error.
@Suite struct DeprecatedSpellingTests {
    /// A database nobody listens on: the commands parse their options, then fail alike.
    static let nowhere = "postgresql://mlctl@127.0.0.1:1/none"
    static let bundle = TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/golden/gbdt-v1").path

    /// (command and its other options, the old spelling, its replacement)
    static let cases: [([String], [String], [String])] = [
        (["score-batch", "--database-url", nowhere, "--models", bundle], ["--json"], ["--format", "json"]),
        (["ab", "list", "--database-url", nowhere], ["--json"], ["--format", "json"]),
        (["ab", "results", "--database-url", nowhere, "--name", "t"], ["--json"], ["--format", "json"]),
        (["datasets", "export", "--name", "leads", "--out", "-"], ["--format", "raw"], ["--kind", "raw"]),
        (["datasets", "export", "--out", "-"], ["--format=raw"], ["--kind=raw"]),
    ]

    @Test(arguments: cases)
    func anOldSpellingDoesWhatItsReplacementDoes(_ command: [String], _ old: [String], _ new: [String]) throws {
        let before = try CommandRunner.run(command + old)
        let after = try CommandRunner.run(command + new)
        let name = command.prefix { !$0.hasPrefix("-") }.joined(separator: " ")
        let oldName = old[0].split(separator: "=")[0]
        let note = "mlctl \(name): \(oldName) is deprecated and will be removed in the next release; use \(new[0].split(separator: "=")[0])"
        #expect(before.standardError.contains(note), "\(before.standardError)")
        #expect(!after.standardError.contains("deprecated"), "\(after.standardError)")
        #expect(before.status == after.status && before.status != 2, "\(before.standardError)")
        #expect(before.standardOutput == after.standardOutput)
        let remaining = before.standardError.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("is deprecated") }
        #expect(remaining.joined(separator: "\n") == after.standardError)
    }

    @Test(arguments: [
        (["ab", "list", "--database-url", nowhere, "--json=yes"], "option '--json' takes no value"),
        (["ab", "list", "--database-url", nowhere, "--json", "--format", "text"], "option '--format' is given twice"),
        (["ab", "list", "--database-url", nowhere, "--format", "yaml"], "option '--format' must be one of text, json"),
        (["score-batch", "--database-url", nowhere, "--models", bundle, "--format", "xml"], "option '--format' must be one of text, json"),
    ])
    func misusedSpellingsAreUsageErrors(_ arguments: [String], _ message: String) throws {
        let outcome = try CommandRunner.run(arguments)
        #expect(outcome.status == 2 && outcome.standardError.contains(message), "\(outcome.standardError)")
    }

    /// Help lists the replaced spellings, so that a reader of an old script finds them.
    @Test func helpNamesTheOldSpellings() throws {
        let help = try CommandRunner.run(["score-batch", "--help"])
        #expect(help.standardOutput.contains("--format F") && help.standardOutput.contains("--json: deprecated, use --format json"))
        #expect(!help.standardOutput.contains("[--json]"), "the usage line shows only current spellings")
    }
}
