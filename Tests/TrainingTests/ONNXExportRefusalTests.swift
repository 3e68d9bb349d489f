import Evaluation
import Foundation
import TestSupport
import Testing
@testable import Training

/// What the ONNX export refuses, each with a message naming what is unsupported; and what it
/// must write the same way every time.
@Suite("ONNX export: refusals")
struct ONNXExportRefusalTests {
    static func sample() throws -> (BundleManifest, TrainedModel) {
        let (manifest, model) = try ModelBundle.read(from: TestPaths.fixture("onnx/credit_data.ensemble"))
        return (manifest, model)
    }

    static func message(_ model: TrainedModel, _ manifest: BundleManifest) -> String? {
        do {
            _ = try ONNXExport.model(model, manifest: manifest)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func ensembleWithoutWeightIsRefused() throws {
        let (manifest, model) = try Self.sample()
        guard case .ensemble(var ensemble) = model else { Issue.record("not an ensemble"); return }
        for m in ensemble.members.indices { ensemble.members[m].weight = 0 }
        #expect(Self.message(.ensemble(ensemble), manifest)?.contains("no member of non-zero weight") == true)
    }

    /// An ensemble whose members read one column as different kinds: the ONNX input has one type.
    @Test func memberReadingAnotherKindIsRefused() throws {
        let (manifest, model) = try Self.sample()
        guard case .ensemble(var ensemble) = model, case .gbdt(var trees) = ensemble.members[1].model else {
            Issue.record("unexpected sample"); return
        }
        let index = trees.features.firstIndex { $0.kind == .numeric }!
        trees.features[index] = ModelFeature(name: trees.features[index].name, kind: .categorical, categories: ["a"])
        ensemble.members[1].model = .gbdt(trees)
        let message = Self.message(.ensemble(ensemble), manifest)
        #expect(message?.contains("ensemble member m1 reads column '\(trees.features[index].name)' as categorical") == true, "\(message ?? "exported")")
    }

    @Test func columnNamedAsTheOutputIsRefused() throws {
        let (manifest, model) = try ModelBundle.read(from: TestPaths.fixture("golden/gbdt-v1"))
        guard case .gbdt(var trees) = model else { Issue.record("not trees"); return }
        trees.features[0].name = ONNXExport.outputName
        #expect(Self.message(.gbdt(trees), manifest)?.contains("input column 'probability' has the name of another input or of the output") == true)
    }

    /// The same bundle gives the same bytes (the committed fixtures depend on it), and the
    /// file is written by rename: no temporary file is left beside it.
    @Test func exportIsDeterministicAndAtomic() throws {
        let (manifest, model) = try Self.sample()
        #expect(try ONNXExport.model(model, manifest: manifest).serialized() == ONNXExport.model(model, manifest: manifest).serialized())
        let directory = TestPaths.temporaryDirectory("onnx-export")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("model.onnx")
        try Data("old".utf8).write(to: out)
        try ONNXExport.write(model, manifest: manifest, to: out)
        #expect(try Data(contentsOf: out) == Data(ONNXExport.model(model, manifest: manifest).serialized()))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.onnx"])
    }
}
