import Core
import Foundation
import Training

/// `mlctl import`: a LightGBM or XGBoost model file as an mlctl bundle.
enum ImportCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["import"], summary: "Import a LightGBM or XGBoost model as a model bundle",
            options: [
                .value("from", "LIBRARY", "the model's library: lightgbm (text model) or xgboost (JSON model)", required: true),
                .value("model", "FILE", "the model file (LightGBM: model.txt from save_model; XGBoost: model.json)", required: true),
                .value("out", "DIR", "bundle directory to write (replaced if it holds a bundle)", required: true),
                .value("target", "COL", "the label column of the training data, recorded so that predict ignores it"),
            ],
            discussion: """
                The bundle scores, explains (predict --contributions) and serves as the library does: raw scores, probabilities
                and TreeSHAP contributions equal LightGBM's / XGBoost's own predict (raw, probability, pred_contrib). Its input
                columns are the model file's feature names. Binary models only; splits mlctl cannot express exactly (linear
                trees, XGBoost categorical splits, some LightGBM zero_as_missing splits) are refused with the tree and node.
                LightGBM categorical columns: pandas levels by their text; integer categories by their integer text (7, not 7.0).
                """),
        run: run)

    private static func run(_ options: ParsedOptions) throws -> Int32 {
        let from = try options.required("from")
        guard let format = ModelImportFormat(rawValue: from) else {
            throw UsageError(message: "--from must be \(ModelImportFormat.allCases.map(\.rawValue).joined(separator: " or ")), not '\(from)'")
        }
        let imported = try ModelImport.read(URL(fileURLWithPath: try options.required("model")), format: format)
        let out = URL(fileURLWithPath: try options.required("out"))
        try ModelImport.writeBundle(imported, target: options.string("target"), to: out)
        let model = imported.model
        Console.error("import: wrote \(out.path) (\(format.rawValue), \(model.trees.count) trees, \(model.features.count) features)")
        return 0
    }
}
