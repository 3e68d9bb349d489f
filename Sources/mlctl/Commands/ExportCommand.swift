import Core
import Foundation
import Training

/// `mlctl export`: a model bundle as an ONNX model for ONNX Runtime (issue #25).
enum ExportCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["export"], summary: "Export a model bundle as an ONNX model",
            options: [
                .value("model", "DIR", "model bundle (from train, train-all, tune or import)", required: true),
                .value("format", "FORMAT", "onnx (the only format)", default: "onnx"),
                .value("out", "FILE", "ONNX file to write (replaced atomically if it exists)", required: true),
            ],
            discussion: """
                The ONNX model's output 'probability' ([N,1] float) is the bundle's score, what predict writes, for every
                model kind: tree models (ai.onnx.ml TreeEnsemble), the logistic baseline with its imputation, indicators,
                scaling and one-hot blocks, ensembles (members combined in log-odds by weight), Platt and isotonic calibration. Inputs: one
                [N,1] tensor per input column, named as the column: float for numeric columns (NaN: missing), string for
                categorical ones ("": missing). Needs ONNX Runtime 1.20 or later (ai.onnx.ml operator set 5); docs/ONNX.md
                has the layout. Refused, naming the reason: an ensemble whose members read one column as different kinds, a
                column named 'probability', and a bundle that does not read or validate.
                """),
        run: run)

    private static func run(_ options: ParsedOptions) throws -> Int32 {
        _ = try options.choice("format", ["onnx"], default: "onnx")
        let (manifest, model) = try ModelBundle.read(from: URL(fileURLWithPath: try options.required("model")))
        let out = URL(fileURLWithPath: try options.required("out"))
        try ONNXExport.write(model, manifest: manifest, to: out)
        let size = (try? FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int) ?? 0
        Console.error("export: wrote \(out.path) (onnx, \(model.kind), \(model.features.count) inputs, \(formatCount(size)) bytes)")
        return 0
    }
}
