import Core
import Foundation
import Testing
import TestSupport
import Training

/// The command line as a user meets it: exit statuses, messages, usage lines.
@Suite struct CommandLineTests {
    @Test func noArgumentsListsTheCommands() throws {
        let outcome = try CommandRunner.run([])
        #expect(outcome.status == 0)
        for command in ["train-all", "train", "tune", "predict", "export", "evaluate", "serve", "score-batch", "ab create", "models list", "db seed", "extract", "datasets export"] {
            #expect(outcome.standardOutput.contains("mlctl \(command) "), "missing \(command)")
        }
    }

    @Test(arguments: [["train-all"], ["train"], ["tune"], ["predict"], ["export"], ["evaluate"], ["serve"], ["score-batch"], ["ab", "create"],
                      ["ab", "results"], ["models", "list"], ["db", "migrate"], ["db", "seed"], ["extract"], ["datasets", "list"], ["datasets", "export"]])
    func everyCommandHasHelp(_ path: [String]) throws {
        let outcome = try CommandRunner.run(path + ["--help"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("usage: mlctl \(path.joined(separator: " "))"))
    }

    @Test(arguments: [
        (["bogus"], "unknown command 'bogus'"),
        (["train-all", "--bogus"], "unknown option '--bogus'"),
        (["train-all", "--seed"], "option '--seed' needs a value"),
        (["train-all", "--seed", "x1"], "option '--seed' needs a whole number, got 'x1'"),
        (["train-all", "--seed", "1", "--seed", "2"], "option '--seed' is given twice"),
        (["train-all", "stray"], "unexpected argument 'stray'"),
        (["train", "--data", "x.csv", "--out", "m"], "missing required option '--target COL'"),
        (["train", "--data", "x.csv", "--target", "y", "--out", "m", "--learning-rate", "fast"], "option '--learning-rate' needs a number"),
        (["db"], "a subcommand is needed"),
        (["trian-all"], "unknown command 'trian-all'; did you mean 'train-all'?"),
        (["ab", "creat"], "unknown command 'ab creat'; did you mean 'ab create'?"),
        (["train-all", "--sed", "1"], "unknown option '--sed'; did you mean '--seed'?"),
        (["train-all", "--zzz"], "unknown option '--zzz'\nusage:"),
        // LightGBM's underscore spelling names the same option.
        (["train", "--data", "x.csv", "--target", "y", "--out", "m", "--learning_rate", "fast"], "option '--learning-rate' needs a number"),
        (["extract", "--database-url", "u", "--out", "f", "--vertical", "life"], "option '--vertical' must be one of pc, health, commercial"),
    ])
    func usageErrorsExitWithStatusTwo(_ arguments: [String], _ message: String) throws {
        let outcome = try CommandRunner.run(arguments)
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains(message), "stderr: \(outcome.standardError)")
        if !["bogus", "trian-all", "ab", "db"].contains(arguments.first!) {
            #expect(outcome.standardError.contains("usage: mlctl"))
        }
    }

    @Test func versionAndHelpForACommand() throws {
        let version = try CommandRunner.run(["--version"])
        #expect(version.status == 0 && version.standardOutput == "mlctl \(MLCTLVersion.current)\n")
        let help = try CommandRunner.run(["help", "ab", "create"]), direct = try CommandRunner.run(["ab", "create", "--help"])
        #expect(help.status == 0 && help.standardOutput == direct.standardOutput && help.standardOutput.contains("usage: mlctl ab create"))
    }

    @Test func abCommandsRefuseABadSplitAndAnUnreachableDatabase() throws {
        let url = "postgresql://x@127.0.0.1:1/db"
        let split = try CommandRunner.run(["ab", "create", "--database-url", url, "--name", "t1", "--split", "60/50"])
        #expect(split.status == 2 && split.standardError.contains("split: the percentages must sum to 100"), "\(split.standardError)")
        let name = try CommandRunner.run(["ab", "create", "--database-url", url, "--name", "bad name!"])
        #expect(name.status == 2 && name.standardError.contains("name: must be"), "\(name.standardError)")
        let down = try CommandRunner.run(["ab", "list", "--database-url", url])
        #expect(down.status == 1 && down.standardError.contains("cannot connect to PostgreSQL"), "\(down.standardError)")
    }

    /// Secrets stay off the command line (issue #26): the database URL comes from
    /// --database-url, else the first line of --database-url-file, else DATABASE_URL; the admin
    /// token from --admin-token-file, else the file MLCTL_ADMIN_TOKEN_FILE names. Errors name
    /// the file, never the secret. Ports 1–3 refuse connections, so each message tells which
    /// URL was used.
    @Test func secretsComeFromFlagsFilesOrTheEnvironmentInThatOrder() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let urlFile = directory.appendingPathComponent("db-url")
        try "postgresql://me:s3cret-pw@127.0.0.1:3/db\n".write(to: urlFile, atomically: true, encoding: .utf8)
        let environment = ["DATABASE_URL": "postgresql://me:s3cret-pw@127.0.0.1:1/db"]
        let cases: [(arguments: [String], environment: [String: String], port: String)] = [
            (["--database-url", "postgresql://me:s3cret-pw@127.0.0.1:2/db", "--database-url-file", urlFile.path], environment, "port 2"),
            (["--database-url-file", urlFile.path], environment, "port 3"),
            ([], environment, "port 1"),
        ]
        for (arguments, environment, port) in cases {
            let outcome = try CommandRunner.run(["db", "migrate"] + arguments, environment: environment)
            #expect(outcome.status == 1 && outcome.standardError.contains("cannot connect to PostgreSQL") && outcome.standardError.contains(port),
                    "\(arguments): \(outcome.standardError)")
            #expect(!outcome.standardError.contains("s3cret-pw") && !outcome.standardOutput.contains("s3cret-pw"))
        }
        let none = try CommandRunner.run(["score-batch", "--models", "m"], environment: ["DATABASE_URL": ""])
        #expect(none.status == 2 && none.standardError.contains("missing the database: give --database-url or --database-url-file, or set DATABASE_URL"),
                "\(none.standardError)")
        let empty = directory.appendingPathComponent("empty")
        try "\nsecond line\n".write(to: empty, atomically: true, encoding: .utf8)
        let blank = try CommandRunner.run(["ab", "list", "--database-url-file", empty.path])
        #expect(blank.status == 2 && blank.standardError.contains("\(empty.path): the first line, the database URL, is empty"), "\(blank.standardError)")
        let missing = try CommandRunner.run(["extract", "--database-url-file", directory.appendingPathComponent("nope").path, "--out", "x.csv"])
        #expect(missing.status == 2 && missing.standardError.contains("cannot read the database URL file"), "\(missing.standardError)")
        let both = try CommandRunner.run(["train-all", "--data", "t.csv", "--database-url-file", urlFile.path])
        #expect(both.status == 2 && both.standardError.contains("give either --data or --database-url, not both"))
        // The admin token from the file the environment names.
        let shortToken = directory.appendingPathComponent("token")
        try "short\n".write(to: shortToken, atomically: true, encoding: .utf8)
        let token = try CommandRunner.run(["serve", "--models", "/nonexistent/models"], environment: ["MLCTL_ADMIN_TOKEN_FILE": shortToken.path])
        #expect(token.status == 2 && token.standardError.contains("\(shortToken.path): the admin token must have at least 16 characters"),
                "\(token.standardError)")
    }

    @Test func serveRefusesToStartWithoutModels() throws {
        let outcome = try CommandRunner.run(["serve", "--models", "/nonexistent/models"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("cannot load models") && outcome.standardError.contains("/nonexistent/models"))
        let tokenDirectory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tokenDirectory) }
        let token = tokenDirectory.appendingPathComponent("token")
        try "short".write(to: token, atomically: true, encoding: .utf8)
        let weak = try CommandRunner.run(["serve", "--models", "/nonexistent/models", "--admin-token-file", token.path])
        #expect(weak.status == 2 && weak.standardError.contains("at least 16 characters"))
    }

    /// A second `serve` on a port in use exits 1 saying so, instead of sharing the port
    /// (SO_REUSEPORT) and taking half the traffic (issue #22).
    @Test func serveOnAPortInUseExitsWithAClearError() throws {
        let model = TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/golden/gbdt-v1").path
        let first = try ServeProcess(["serve", "--models", model, "--port", "0", "--quiet"])
        defer { _ = first.terminate() }
        let second = try CommandRunner.run(["serve", "--models", model, "--port", String(first.port), "--quiet"])
        #expect(second.status == 1 && second.standardError.contains("the port is in use by another process"), "\(second.standardError)")
        // In the log's format, so that a collector reading JSON sees why the service did not start.
        let json = try CommandRunner.run(["serve", "--models", model, "--port", String(first.port), "--quiet", "--log-format", "json"])
        let event = try? JSONParser.parse(Array(json.standardError.utf8))
        #expect(json.status == 1 && event?["event"] == .string("startup_failed") && event?["level"] == .string("error"), "\(json.standardError)")
        guard case .string(let message)? = event?["message"] else { return }
        #expect(message.contains("the port is in use by another process"))
    }

    @Test func trainAllOnATinyCSVWritesARegistryVersion() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("t.csv")
        var text = "x,c,y\n"
        for i in 0..<200 { text += "\(i),\(i % 3 == 0 ? "a" : "b"),\(i % 4 == 0 ? 1 : 0)\n" }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        let registry = directory.appendingPathComponent("models")
        // DATABASE_URL in the environment never changes what train-all trains on.
        let outcome = try CommandRunner.run(["train-all", "--data", csv.path, "--target", "y", "--trials", "1", "--cv", "2",
                                             "--resamples", "10", "--out", registry.path], environment: ["DATABASE_URL": "postgresql://x@127.0.0.1:1/db"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("200 rows, 1 numeric + 1 categorical features"))
        #expect(FileManager.default.fileExists(atPath: registry.appendingPathComponent("current/global/manifest.json").path))
        // A time-ordered split by a column, which then stops being a feature.
        let timed = try CommandRunner.run(["train-all", "--data", csv.path, "--target", "y", "--trials", "1", "--cv", "2",
                                           "--resamples", "10", "--split-by", "x", "--out", registry.path])
        #expect(timed.status == 0, "\(timed.standardError)")
        #expect(timed.standardOutput.contains("time-ordered split by x") && timed.standardOutput.contains("0 numeric + 1 categorical features"))
        let missing = try CommandRunner.run(["train-all", "--data", csv.path, "--target", "y", "--split-by", "when", "--out", registry.path])
        #expect(missing.status == 2 && missing.standardError.contains("has no column 'when'"))
    }

    @Test func badCSVNamesFileLineAndColumnAndExitsOne() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("bad.csv")
        try "x,y\n1,0\n2,7\n".write(to: csv, atomically: true, encoding: .utf8)
        let outcome = try CommandRunner.run(["train-all", "--data", csv.path, "--target", "y"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("\(csv.path):3:2: the label must be 0 or 1, found '7' (column 'y')"))
        let single = directory.appendingPathComponent("single.csv")
        try "x,y\n1,0\n2,0\n".write(to: single, atomically: true, encoding: .utf8)
        let oneClass = try CommandRunner.run(["train-all", "--data", single.path, "--target", "y"])
        #expect(oneClass.status == 2 && oneClass.standardError.contains("single class"))
    }

    @Test func unreachableDatabaseIsAClearError() throws {
        let outcome = try CommandRunner.run(["db", "migrate", "--database-url", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("cannot connect to PostgreSQL"))
    }

    @Test func datasetsExportWritesTheBundledLeads() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let raw = directory.appendingPathComponent("raw.csv")
        let outcome = try CommandRunner.run(["datasets", "export", "--kind", "raw", "--out", raw.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = try String(contentsOf: raw, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 50_001)
        #expect(lines[0].hasPrefix("id,vertical,created_at,email"))
    }
}

/// `db seed` and `extract` against the throwaway PostgreSQL server.
@Suite(.enabled(if: TestDatabase.isConfigured))
struct DatabaseCommandTests {
    @Test func seedThenExtractGivesAFeatureTable() throws {
        try TestDatabase.withFreshDatabase { url in
            let migrate = try CommandRunner.run(["db", "migrate", "--database-url", url])
            #expect(migrate.status == 0 && migrate.standardOutput.contains("applied migrations 1, 2, 3; schema version 3"))
            let again = try CommandRunner.run(["db", "migrate", "--database-url", url])
            #expect(again.standardOutput.contains("up to date"))
            let seed = try CommandRunner.run(["db", "seed", "--database-url", url, "--leads", "3000", "--seed", "9", "--days", "60"])
            #expect(seed.status == 0, "\(seed.standardError)")
            let more = try CommandRunner.run(["db", "seed", "--database-url", url, "--leads", "1000", "--seed", "10"])
            #expect(more.status == 0 && more.standardError.contains("ids 3001…4000"), "\(more.standardError)")
            let directory = TestPaths.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let out = directory.appendingPathComponent("features.csv")
            let extract = try CommandRunner.run(["extract", "--database-url", url, "--out", out.path, "--vertical", "pc", "--days", "30"])
            #expect(extract.status == 0, "\(extract.standardError)")
            let table = try String(contentsOf: out, encoding: .utf8)
            let rows = table.split(separator: "\n").count - 1
            #expect(rows > 100 && rows < 1500)
            #expect(table.hasPrefix("id,has_email,email_valid,"), "the lead id first")
            let ids = table.split(separator: "\n").dropFirst().map { Int($0.prefix { $0 != "," })! }
            #expect(ids == ids.sorted() && Set(ids).count == ids.count && ids.allSatisfy { (1...4000).contains($0) })
            // Trained from, the id is left out with --id-column; without it, training warns.
            let model = directory.appendingPathComponent("m").path
            let warned = try CommandRunner.run(["train", "--data", out.path, "--target", "converted", "--trees", "3", "--out", model])
            #expect(warned.status == 0 && warned.standardError.contains("column 'id' has a distinct value"), "\(warned.standardError)")
            let clean = try CommandRunner.run(["train", "--data", out.path, "--target", "converted", "--trees", "3", "--id-column", "id", "--out", model])
            #expect(clean.status == 0 && !clean.standardError.contains("warning"), "\(clean.standardError)")
            // Nothing is left behind beside the output.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["features.csv", "m"])
        }
    }
}
