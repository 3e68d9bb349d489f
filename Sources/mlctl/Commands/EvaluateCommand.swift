import Core
import Evaluation
import Foundation
import Training
import Tuning

/// `mlctl evaluate`: metrics with bootstrap intervals for one bundle, or several side by side
/// with DeLong's test against the first.
enum EvaluateCommand {
    static let command = Command(
        spec: CommandSpec(
            path: ["evaluate"], summary: "Metrics, confidence intervals and model comparison on a labelled table",
            options: [
                .value("model", "DIR", "model bundle to evaluate"),
                .value("compare", "DIRS", "comma-separated bundles to compare (DeLong's test against the first)"),
                .value("data", "FILE", "labelled table", required: true),
                .value("target", "COL", "label column", required: true),
                .value("format", "F", "text (markdown), json or html (one self-contained page with SVG plots)", default: "text"),
                .value("out", "FILE", "output file (default: standard output)"),
                .value("resamples", "N", "bootstrap resamples for the intervals", default: "1000"),
                .value("seed", "N", "seed of the bootstrap", default: "0"),
                .value("threads", "N", "worker threads (default: all cores)"),
            ] + OptionSpec.columnExclusions),
        run: run)

    private static func run(_ options: ParsedOptions) throws -> Int32 {
        // `text` is the markdown report: --format text|json works on every command.
        let format = try options.choice("format", ["text", "markdown", "json", "html"], default: "markdown")!.replacingOccurrences(of: "text", with: "markdown")
        let bundles: [String]
        switch (options.string("model"), options.string("compare")) {
        case (let model?, nil): bundles = [model]
        case (nil, let list?): bundles = list.split(separator: ",").map(String.init)
            guard bundles.count >= 2 else { throw UsageError(message: "--compare needs at least two bundles, separated by commas") }
        default: throw UsageError(message: "give either --model DIR or --compare DIR1,DIR2,…")
        }
        let resamples = try options.int("resamples", default: 1000, in: 1...1_000_000)!
        let seed = UInt64(try options.int("seed", default: 0, in: 0...Int.max)!)
        let threads = try options.int("threads", default: defaultThreadCount, in: 1...256)!
        let target = try options.required("target")
        let dataURL = try options.inputURL("data")

        var reports: [EvaluationReport] = []
        var probabilities: [[Double]] = []
        var labels: [UInt8] = []
        var importance: [(String, Double)]?
        var importanceMeasure = "total gain"
        var contributions: ContributionSummary?
        for (index, path) in bundles.enumerated() {
            let (manifest, model) = try ModelBundle.read(from: URL(fileURLWithPath: path))
            let data = try ModelCommands.readData(dataURL, for: manifest, target: target, excluded: options.excludedColumns, threads: threads)
            let scores = manifest.probabilities(rawScores: try model.rawScores(data, threads: threads))
            var bootstrapStream = SeededGenerator(seed: seed).derived(UInt64(index))
            let bootstrapSeed = bootstrapStream.next()
            reports.append(try EvaluationReport(model: path, probabilities: scores, labels: data.labels, resamples: resamples,
                                                seed: bootstrapSeed, threads: threads))
            probabilities.append(scores)
            labels = data.labels
            if importance == nil {
                importance = Array(zip(model.features.map(\.name), model.featureImportance))
                if format == "html" { contributions = try ContributionSummary.make(model: model, data: data, sampleRows: 500, threads: threads) }
                importanceMeasure = model.importanceMeasure
            }
        }
        var comparisons: [Comparison] = []
        for k in 1..<max(1, bundles.count) {
            guard let test = DeLongTest.compare(probabilities[0], probabilities[k], labels: labels) else { continue }
            comparisons.append(Comparison(a: bundles[0], b: bundles[k], aucA: test.aucA, aucB: test.aucB, aucDifference: test.aucA - test.aucB,
                                          z: JSONNumber(test.z), pValue: JSONNumber(test.pValue)))
        }

        var text: String
        if format == "html" {
            let entries = try zip(reports, probabilities).map { report, scores in
                HTMLReport.Entry(report: report, rows: try ScoredRows(scores: scores, labels: labels))
            }
            let rows = comparisons.map { c in (model: c.b, difference: -c.aucDifference, z: -c.z.value, pValue: c.pValue.value) }
            text = HTMLReport.render(title: "Evaluation on \(dataURL.lastPathComponent)", generator: "mlctl \(MLCTLVersion.current)",
                                     entries: entries, importance: importance, importanceMeasure: importanceMeasure,
                                     contributions: contributions.map(\.plotData), comparisons: rows)
        } else if format == "json" {
            let document = Document(data: dataURL.path, target: target, models: reports.map(\.document),
                                    comparisons: bundles.count > 1 ? comparisons : nil)
            text = String(decoding: try JSONCoding.encoder(pretty: true).encode(document), as: UTF8.self) + "\n"
        } else {
            text = reports.map(\.markdown).joined(separator: "\n\n") + "\n"
            if !comparisons.isEmpty {
                // Shown from the compared model's side: difference and z of AUC(model) − AUC(first).
                text += "\n## DeLong's test against \(bundles[0])\n\n| model | AUC | AUC − first | z | p-value |\n|---|---:|---:|---:|---:|\n"
                for c in comparisons {
                    text += String(format: "| %@ | %.4f | %+.4f | %.3f | %.4g |\n", c.b, c.aucB, -c.aucDifference, -c.z.value, c.pValue.value)
                }
            }
        }
        try CSVWriter.writeAtomically(to: try options.outputURL("out", default: "-")) { try $0.write(text) }
        return 0
    }

    /// DeLong's test of bundle `b` against the first bundle `a` (`evaluate --format json`'s
    /// `comparisons`).
    struct Comparison: Encodable {
        var a: String
        var b: String
        var aucA: Double
        var aucB: Double
        var aucDifference: Double
        var z: JSONNumber
        var pValue: JSONNumber

        enum CodingKeys: String, CodingKey {
            case a, b, z
            case aucA = "auc_a", aucB = "auc_b", aucDifference = "auc_difference", pValue = "p_value"
        }
    }

    /// `evaluate --format json`.
    struct Document: Encodable {
        var format = "mlctl-evaluation"
        var formatVersion = 1
        var data: String
        var target: String
        var models: [EvaluationReport.Document]
        var comparisons: [Comparison]?
    }
}
