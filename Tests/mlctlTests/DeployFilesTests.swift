import Foundation
import Testing
import TestSupport

/// The deployment files (Dockerfile, Kubernetes, systemd) cannot rot: every mlctl command line
/// in them names a command that exists and only options that command's `--help` lists, and the
/// sharded Job's shard count matches its completions (issue #26).
@Suite struct DeployFilesTests {
    /// One mlctl command line found in a file: the words after `mlctl` (or the image's
    /// entry point), as the shell or Kubernetes would split them.
    struct Invocation: CustomStringConvertible {
        var file: String
        var tokens: [String]
        var description: String { "\(file): mlctl \(tokens.joined(separator: " "))" }
    }

    static func read(_ relative: String) throws -> String {
        try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent(relative), encoding: .utf8)
    }

    /// Splits a command line on white space, dropping shell quotes and JSON punctuation.
    static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," }).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"'[]"))
        }.filter { !$0.isEmpty }
    }

    /// The invocations in a Kubernetes manifest: each `args:` list (its items, or a folded
    /// `>-` shell line that runs mlctl).
    static func kubernetesInvocations(_ relative: String) throws -> [Invocation] {
        let lines = try read(relative).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var found: [Invocation] = []
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            guard lines[index].trimmingCharacters(in: .whitespaces) == "args:" else { continue }
            let indent = lines[index].prefix { $0 == " " }.count
            var items: [String] = [], folded = ""
            var next = index + 1
            while next < lines.count, lines[next].prefix(while: { $0 == " " }).count > indent {
                let item = lines[next].trimmingCharacters(in: .whitespaces)
                if item.hasPrefix("- ") { items.append(String(item.dropFirst(2))) } else { folded += " " + item }
                next += 1
            }
            var tokens = items.first == ">-" ? words(folded) : items
            if let mlctl = tokens.firstIndex(where: { $0.hasSuffix("/mlctl") || $0 == "mlctl" }) { tokens = Array(tokens[(mlctl + 1)...]) }
            found.append(Invocation(file: relative, tokens: tokens))
        }
        return found
    }

    static func allInvocations() throws -> [Invocation] {
        var found: [Invocation] = []
        for file in ["deploy/kubernetes/deployment.yaml", "deploy/kubernetes/score-batch-job.yaml", "deploy/kubernetes/retrain-cronjob.yaml"] {
            found += try kubernetesInvocations(file)
        }
        // systemd: the words after the binary on ExecStart=.
        for line in try read("deploy/systemd/mlctl-serve.service").split(separator: "\n") where line.hasPrefix("ExecStart=") {
            found.append(Invocation(file: "deploy/systemd/mlctl-serve.service", tokens: Array(words(String(line)).dropFirst())))
        }
        // The image's default command (its entry point is mlctl).
        for line in try read("Dockerfile").split(separator: "\n") where line.hasPrefix("CMD ") {
            found.append(Invocation(file: "Dockerfile", tokens: words(String(line.dropFirst(4)))))
        }
        return found
    }

    @Test func everyCommandLineUsesOptionsThatExist() throws {
        let invocations = try Self.allInvocations()
        #expect(invocations.count == 6, "\(invocations)")
        for invocation in invocations {
            let command = Array(invocation.tokens.prefix { !$0.hasPrefix("-") })
            #expect(!command.isEmpty, "\(invocation)")
            let help = try CommandRunner.run(command + ["--help"])
            #expect(help.status == 0, "\(invocation): \(help.standardError)")
            for token in invocation.tokens where token.hasPrefix("--") {
                let name = String(token.split(separator: "=", maxSplits: 1)[0])
                #expect(help.standardOutput.contains("  \(name) ") || help.standardOutput.contains("  \(name)\n"),
                        "\(invocation): mlctl \(command.joined(separator: " ")) has no option \(name)")
            }
            // Secrets come from files, never from flags that ps would show.
            #expect(!invocation.tokens.contains { $0.hasPrefix("--database-url=") || $0 == "--database-url" }, "\(invocation)")
        }
    }

    @Test func theIndexedJobShardsByItsCompletionIndex() throws {
        let job = try Self.read("deploy/kubernetes/score-batch-job.yaml")
        #expect(job.contains("completionMode: Indexed"))
        let completions = job.split(separator: "\n").first { $0.contains("completions:") }.map { Self.words(String($0)).last ?? "" }
        let shard = try #require(try Self.kubernetesInvocations("deploy/kubernetes/score-batch-job.yaml").first?.tokens)
        let value = try #require(shard.firstIndex(of: "--shard").map { shard[$0 + 1] })
        #expect(value == "$JOB_COMPLETION_INDEX/\(completions ?? "?")", "\(value)")
    }
}
