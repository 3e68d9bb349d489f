import Evaluation
import Foundation

/// Why a model cannot be exported to ONNX; the message names what is unsupported.
public struct ONNXExportError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }
}

/// A model bundle as an ONNX model (issue #25, `mlctl export --format onnx`) whose
/// `probability` output is the bundle's score, what `mlctl predict` writes, for every model
/// kind: tree models (``ONNXTreeEnsemble``), the logistic baseline with its preprocessing
/// (``ONNXLogistic``), ensembles (members' raw scores times their weights, added in member
/// order), and Platt or isotonic calibration (``ONNXCalibration``). The layout is in docs/ONNX.md:
///
///     inputs   one [N,1] tensor per input column, named as the column: float for a numeric
///              column (NaN: missing), string for a categorical one ("": missing)
///     outputs  probability [N,1] float
///
/// Inside, everything is double: numbers are cast (exactly: mlctl reads them as floats too),
/// categories become their code in each tree model's dictionary (`LabelEncoder`; −1 for "",
/// −2 for a category not in it, as mlctl codes them), tree thresholds and leaves are mlctl's
/// doubles, and the probability is rounded to float once, at the end.
///
/// Operator sets: the default one at version 17 and `ai.onnx.ml` at 5 (for `TreeEnsemble` with
/// double thresholds and set-membership splits), so ONNX Runtime 1.20 or later.
public enum ONNXExport {
    /// The output's name.
    public static let outputName = "probability"
    public static let irVersion: Int64 = 10
    public static let operatorSets: [(domain: String, version: Int64)] = [("", 17), ("ai.onnx.ml", 5)]

    /// The ONNX model of a bundle's `model` and `manifest` (its calibration, target and kind).
    /// `producerVersion` is recorded in the file (tests pin it, so that the file does not
    /// change with mlctl's version).
    /// - Throws: ``ONNXExportError`` naming what cannot be exported: an ensemble member reading a column as another kind than the ensemble's input, a model
    ///   without input columns or without weighted members, a column whose name is taken.
    public static func model(_ model: TrainedModel, manifest: BundleManifest,
                             producerVersion: String = MLCTLVersion.current) throws(ONNXExportError) -> ONNXProto.Model {
        var graph = ONNXGraphBuilder(name: "mlctl_\(model.kind)")
        let features = model.features
        guard !features.isEmpty else { throw ONNXExportError(message: "the model has no input columns: nothing to export") }
        guard graph.reserve(outputName) else { throw ONNXExportError(message: "the output's name '\(outputName)' is taken") }
        var kinds: [String: ColumnKind] = [:]
        for feature in features {
            guard graph.reserve(feature.name) else {
                throw ONNXExportError(message: "input column '\(feature.name)' has the name of another input or of the output '\(outputName)'; ONNX values need distinct names")
            }
            kinds[feature.name] = feature.kind
            graph.graph.inputs.append(ONNXProto.ValueInfo(
                name: feature.name, elementType: feature.kind == .numeric ? .float : .string, shape: [.parameter("N"), .value(1)],
                documentation: feature.kind == .numeric
                    ? "numeric column '\(feature.name)': float, NaN for a missing value"
                    : "categorical column '\(feature.name)': its text, \"\" for a missing value"))
        }
        let raw = try rawScore(model, prefix: "", kinds: kinds, into: &graph)
        let probability = ONNXCalibration.probability(raw, manifest.calibration, into: &graph)
        graph.node("Cast", [probability], output: outputName, exactOutput: true, [.init("to", .int(ONNXProto.DataType.float.rawValue))])
        graph.graph.outputs = [ONNXProto.ValueInfo(name: outputName, elementType: .float, shape: [.parameter("N"), .value(1)],
                                                   documentation: "the probability of label 1, as mlctl predict scores it")]
        graph.graph.documentation = "mlctl \(model.kind) model\(manifest.target.map { " of '\($0)'" } ?? ""): one [N,1] input per column (numeric: float, NaN missing; categorical: string, \"\" missing), output probability [N,1]"
        var metadata: [(key: String, value: String)] = [("model_kind", model.kind)]
        if let target = manifest.target { metadata.append(("target", target)) }
        let calibration: String
        switch manifest.calibration {
        case nil: calibration = "none"
        case .platt: calibration = "platt"
        case .isotonic: calibration = "isotonic"
        }
        metadata.append(("calibration", calibration))
        metadata.append(("data_fingerprint", manifest.dataFingerprint))
        return ONNXProto.Model(irVersion: irVersion, operatorSets: operatorSets, producerName: "mlctl", producerVersion: producerVersion,
                               documentation: "", graph: graph.graph, metadata: metadata)
    }

    /// Writes the ONNX model of `model` to `url`: to a temporary file beside it, then renamed
    /// into place, so that a reader sees the old file or the new one.
    public static func write(_ model: TrainedModel, manifest: BundleManifest, to url: URL) throws {
        let bytes = try Self.model(model, manifest: manifest).serialized()
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try Data(bytes).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw ONNXExportError(message: "\(url.path): cannot move the file into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Adds the nodes of `model`'s raw score (log-odds, [N,1] double) and returns its name.
    /// `kinds` are the graph inputs' kinds by column name.
    static func rawScore(_ model: TrainedModel, prefix: String, kinds: [String: ColumnKind],
                         into graph: inout ONNXGraphBuilder) throws(ONNXExportError) -> String {
        for feature in model.features where kinds[feature.name] != feature.kind {
            throw ONNXExportError(message: "ensemble member \(prefix.dropLast()) reads column '\(feature.name)' as \(feature.kind.rawValue), but the ensemble's input is \(kinds[feature.name]?.rawValue ?? "absent"); the ONNX export needs one kind per column")
        }
        switch model {
        case .gbdt(let trees):
            let rows = treeRows(trees.features, prefix: prefix, into: &graph)
            let sum = graph.node("TreeEnsemble", domain: "ai.onnx.ml", [rows], output: "\(prefix)trees", ONNXTreeEnsemble.attributes(trees.trees))
            let initial = graph.constant("\(prefix)initial_score", doubles: [trees.initialScore])
            return graph.node("Add", [sum, initial], output: "\(prefix)raw")
        case .logistic(let linear):
            guard let raw = ONNXLogistic.rawScore(linear, prefix: prefix, input: { $0 }, into: &graph) else {
                throw ONNXExportError(message: "logistic model \(prefix) has no input columns: nothing to export")
            }
            return raw
        case .ensemble(let ensemble):
            var weighted: [String] = []
            for (m, member) in ensemble.members.enumerated() where member.weight != 0 {
                let raw = try rawScore(member.model, prefix: "\(prefix)m\(m)/", kinds: kinds, into: &graph)
                let weight = graph.constant("\(prefix)m\(m)/weight", doubles: [member.weight])
                weighted.append(graph.node("Mul", [raw, weight], output: "\(prefix)m\(m)/weighted"))
            }
            guard !weighted.isEmpty else { throw ONNXExportError(message: "the ensemble has no member of non-zero weight: nothing to export") }
            return graph.sum(weighted, output: "\(prefix)raw")
        }
    }

    /// The [N,k] double matrix a tree model reads: its features in order, numbers as they are,
    /// categories as codes of the model's own dictionary (−1 for "", −2 for any other text).
    static func treeRows(_ features: [ModelFeature], prefix: String, into graph: inout ONNXGraphBuilder) -> String {
        let toDouble = ONNXProto.Attribute("to", .int(ONNXProto.DataType.double.rawValue))
        var columns: [String] = []
        for feature in features {
            var value = feature.name
            if feature.kind == .categorical {
                let dictionary = (feature.categories ?? []).enumerated().filter { !$0.element.isEmpty }
                value = graph.node("LabelEncoder", domain: "ai.onnx.ml", [feature.name], output: "\(prefix)\(feature.name)/code", [
                    .init("default_float", .float(Float(CategoricalColumn.unseenCode))),
                    .init("keys_strings", .strings(dictionary.map(\.element) + [""])),
                    .init("values_floats", .floats(dictionary.map { Float($0.offset) } + [Float(CategoricalColumn.missingCode)])),
                ])
            }
            columns.append(graph.node("Cast", [value], output: "\(prefix)\(feature.name)/double", [toDouble]))
        }
        return columns.count == 1 ? columns[0] : graph.node("Concat", columns, output: "\(prefix)rows", [.init("axis", .int(1))])
    }
}
