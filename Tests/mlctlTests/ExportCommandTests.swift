import Foundation
import Testing
import TestSupport
import Training

/// `mlctl export --format onnx` as a user runs it: the file is what ``ONNXExport`` writes; a
/// damaged bundle, a model the export cannot express and an unknown format exit non-zero naming
/// the problem, and write nothing.
@Suite("ONNX export: mlctl export command")
struct ExportCommandTests {
    @Test func writesTheExportedModel() throws {
        let directory = TestPaths.temporaryDirectory("export-command")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bundle = TestPaths.fixture("onnx/wa_churn.ensemble"), out = directory.appendingPathComponent("model.onnx")
        let outcome = try CommandRunner.run(["export", "--model", bundle.path, "--format", "onnx", "--out", out.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("export: wrote \(out.path) (onnx, ensemble, 19 inputs"), "\(outcome.standardError)")
        let (manifest, model) = try ModelBundle.read(from: bundle)
        #expect(try Data(contentsOf: out) == Data(ONNXExport.model(model, manifest: manifest).serialized()))
    }

    @Test func refusesWhatItCannotExport() throws {
        let directory = TestPaths.temporaryDirectory("export-command")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("model.onnx")

        // A bundle whose model.json changed after training: refused by the bundle reader, naming the file.
        let damaged = directory.appendingPathComponent("damaged")
        try FileManager.default.copyItem(at: TestPaths.fixture("golden/gbdt-v1"), to: damaged)
        let modelFile = damaged.appendingPathComponent("model.json")
        var text = try String(contentsOf: modelFile, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"initialScore\":", with: "\"initialScore\": 1e-3 +")
        try Data(text.utf8).write(to: modelFile)
        let corrupt = try CommandRunner.run(["export", "--model", damaged.path, "--format", "onnx", "--out", out.path])
        #expect(corrupt.status == 1)
        #expect(corrupt.standardError.contains("\(modelFile.path): checksum mismatch"), "\(corrupt.standardError)")

        // A column named as the output: the model reads, but the export names what it cannot do.
        let clashing = directory.appendingPathComponent("clashing")
        var (manifest, model) = try ModelBundle.read(from: TestPaths.fixture("golden/gbdt-v1"))
        guard case .gbdt(var trees) = model else { Issue.record("not trees"); return }
        trees.features[0].name = "probability"
        manifest.inputSchema = trees.features
        model = .gbdt(trees)
        try ModelBundle.write(model, manifest: manifest, to: clashing)
        let unsupported = try CommandRunner.run(["export", "--model", clashing.path, "--format", "onnx", "--out", out.path])
        #expect(unsupported.status == 1)
        #expect(unsupported.standardError.contains("input column 'probability' has the name of another input or of the output"), "\(unsupported.standardError)")

        let format = try CommandRunner.run(["export", "--model", clashing.path, "--format", "pmml", "--out", out.path])
        #expect(format.status == 2 && format.standardError.contains("pmml"), "\(format.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["clashing", "damaged"])
    }
}
