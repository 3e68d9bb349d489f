import Core
import Evaluation
import Foundation
import Training

/// `mlctl predict`, and reading tables for a model bundle.
enum ModelCommands {
    static let predict = Command(
        spec: CommandSpec(
            path: ["predict"], summary: "Score a CSV table with a model bundle",
            options: [
                .value("model", "DIR", "model bundle (from mlctl train)", required: true),
                .value("data", "FILE", "table to score; a target column in it is ignored", required: true),
                .value("out", "FILE", "output CSV (default: standard output)"),
                .flag("contributions", "add per-feature contributions (TreeSHAP)"),
                .value("threads", "N", "worker threads (default: all cores)"),
            ]
                + OptionSpec.columnExclusions + [.value("keep-columns", "A,B", "input columns to copy to the output, after the id")],
            discussion: """
                Writes one row per input row, in input order, with a 'score' column: the probability of label 1 (calibrated
                when the bundle has a calibration), and a 'quality' column (High, Medium, Low, Very Low) when it has quality levels.
                With --contributions, one 'contrib_NAME' column per model feature and 'contrib_bias' follow: contributions in
                log-odds (TreeSHAP for trees), which add up to logit(score) (for isotonic calibration: to the uncalibrated log-odds).
                """),
        run: runPredict)

    /// Reads a table to score with `manifest`'s model: the model's column kinds apply to the
    /// columns the file has; the training target is ignored unless it is asked for as `target`.
    /// `excluded` columns (`--id-column`, `--ignore-columns`) are not read as features.
    static func readData(_ url: URL, for manifest: BundleManifest, target: String?, excluded: Set<String> = [], threads: Int) throws -> Dataset {
        var kinds: [String: ColumnKind] = [:]
        for feature in manifest.inputSchema { kinds[feature.name] = feature.kind }
        let present = Set(try CSVReader.header(of: url))
        let ignored = Set([manifest.target].compactMap { $0 }).union(excluded).subtracting([target].compactMap { $0 })
        return try CSVReader.read(contentsOf: url, options: CSVReadOptions(
            target: target, ignoredColumns: ignored, columnKinds: kinds.filter { present.contains($0.key) && $0.key != target }, threads: threads))
    }

    private static func runPredict(_ options: ParsedOptions) throws -> Int32 {
        let threads = try options.int("threads", default: defaultThreadCount, in: 1...256)!
        let (manifest, model) = try ModelBundle.read(from: URL(fileURLWithPath: try options.required("model")))
        let dataURL = try options.inputURL("data")
        let data = try readData(dataURL, for: manifest, target: nil, excluded: options.excludedColumns, threads: threads)
        // The id, then the columns to keep, as written in the input, before the scores.
        let copied = [options.string("id-column")].compactMap { $0 } + options.list("keep-columns")
        let copiedValues = try CSVReader.textColumns(copied, of: dataURL, threads: threads)
        func copiedFields(_ row: Int) -> [String] { copiedValues.map { $0[row].map(CSVWriter.field) ?? "" } }
        let scores = manifest.probabilities(rawScores: try model.rawScores(data, threads: threads))
        let quality = manifest.qualityLevels.map { levels in scores.map { levels.level($0) } }
        var header = copied + ["score"] + (quality == nil ? [] : ["quality"])
        var text: String
        if options.flag("contributions") {
            // Log-odds contributions (TreeSHAP for trees): contrib_bias + Σ contrib_* = logit(score),
            // rescaled through the calibration when it is Platt scaling.
            let (phi, bias) = manifest.calibratedContributions(try model.contributions(data, threads: threads), bias: model.expectedRawScore)
            header += model.features.map { "contrib_" + $0.name } + ["contrib_bias"]
            text = header.map(CSVWriter.field).joined(separator: ",") + "\n"
            for (row, score) in scores.enumerated() {
                let level = quality.map { [CSVWriter.field($0[row])] } ?? []
                text += (copiedFields(row) + ["\(score)"] + level + (phi[row] + [bias]).map { "\($0)" }).joined(separator: ",") + "\n"
            }
        } else {
            text = header.map(CSVWriter.field).joined(separator: ",") + "\n"
            text.reserveCapacity(scores.count * 20)
            for (row, score) in scores.enumerated() {
                let prefix = copied.isEmpty ? "" : copiedFields(row).joined(separator: ",") + ","
                text += prefix + (quality.map { "\(score),\(CSVWriter.field($0[row]))\n" } ?? "\(score)\n")
            }
        }
        let out = try options.outputURL("out", default: "-")
        try CSVWriter.writeAtomically(to: out) { try $0.write(text) }
        if out != CSVWriter.standardOutputURL { Console.error("predict: wrote \(formatCount(scores.count)) scores to \(out.path)") }
        return 0
    }
}
