import Foundation
import Testing
import TestSupport

/// Every file and standard-output write of the CLI can fail (a full disk, a file-size limit,
/// a directory where a file belongs): the command says so and exits 1, and leaves no
/// temporary file. `-` is standard input for `--data` and standard output for `--out`
/// (issue #22).
@Suite struct WriteErrorTests {
    static let model = TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/golden/gbdt-v1").path
    static let data = TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/golden/credit_data_head.csv").path

    @Test(arguments: [
        "predict --model \(model) --data \(data) --out /dev/full",
        "predict --model \(model) --data \(data) > /dev/full",
        "evaluate --model \(model) --data \(data) --target label --out /dev/full",
        "evaluate --model \(model) --data \(data) --target label > /dev/full",
        "datasets export --out /dev/full",
        "datasets list > /dev/full",
    ])
    func aFullDiskIsAnErrorNotACrash(command: String) throws {
        let outcome = try CommandRunner.shell("\"$MLCTL\" \(command)")
        #expect(outcome.status == 1, "\(command): \(outcome.status) \(outcome.standardError)")
        #expect(outcome.standardError.contains("No space left on device"), "\(command): \(outcome.standardError)")
    }

    @Test func aFileSizeLimitLeavesNoTemporaryFile() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("features.csv").path
        let outcome = try CommandRunner.shell("ulimit -f 64; \"$MLCTL\" datasets export --out \(out)")
        #expect(outcome.status == 1 && outcome.standardError.contains("File too large"), "\(outcome.status) \(outcome.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func aDirectoryIsNotAnOutputFile() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try CommandRunner.run(["predict", "--model", Self.model, "--data", Self.data, "--out", directory.path])
        #expect(outcome.status == 1 && outcome.standardError.contains("is a directory"), "\(outcome.standardError)")
    }

    @Test func aDashIsStandardInputAndOutput() throws {
        let file = try CommandRunner.run(["predict", "--model", Self.model, "--data", Self.data])
        let piped = try CommandRunner.shell("cat \(Self.data) | \"$MLCTL\" predict --model \(Self.model) --data - --out -")
        #expect(piped.status == 0 && piped.standardOutput == file.standardOutput && !file.standardOutput.isEmpty, "\(piped.standardError)")
        let redirected = try CommandRunner.shell("\"$MLCTL\" predict --model \(Self.model) --data /dev/stdin < \(Self.data)")
        #expect(redirected.status == 0 && redirected.standardOutput == file.standardOutput, "\(redirected.standardError)")
        let evaluated = try CommandRunner.shell("\"$MLCTL\" evaluate --model \(Self.model) --data - --target label < \(Self.data)")
        #expect(evaluated.status == 0 && evaluated.standardOutput.contains("| roc_auc |"), "\(evaluated.standardError)")
        let exported = try CommandRunner.shell("\"$MLCTL\" datasets export --format raw --out - | head -c 100")
        #expect(exported.standardOutput.hasPrefix("id,vertical,created_at"), "\(exported.standardOutput.prefix(100))")
    }
}
