import Core
import Foundation

/// The libraries whose tree models `mlctl import` reads.
public enum ModelImportFormat: String, Sendable, CaseIterable {
    /// LightGBM's text model (`Booster.save_model("model.txt")`): ``LightGBMModelText``.
    case lightgbm
    /// XGBoost's JSON model (`Booster.save_model("model.json")`): ``XGBoostModelJSON``.
    case xgboost
}

/// Why a model file could not be imported: the file and what is wrong with it or what it uses
/// that mlctl cannot express (`model.txt: tree 3 node 7: …`).
public struct ModelImportError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// A problem found while reading or converting a model file, before the file's path is
/// attached (``ModelImportError``).
struct ImportProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// A tree model read from another library's file, converted to mlctl's ``GBDTModel`` and
/// validated (``GBDTModel/validate()``), with where it came from.
public struct ImportedModel: Sendable {
    public var model: GBDTModel
    /// What the bundle's `import.json` records: the library, the file's name and SHA-256, the
    /// library version the file names, its objective and tree count.
    public var provenance: [String: String]
}

/// Imports LightGBM and XGBoost models into mlctl bundles.
///
/// The converted trees score and explain rows as the source library does (raw scores,
/// probabilities and TreeSHAP contributions): thresholds and missing-value directions are
/// rewritten where the two express the same test differently, and what mlctl's ``Tree``
/// cannot express exactly is refused with the tree, node and reason rather than approximated.
public enum ModelImport {
    /// The bundle file recording the model's origin (``ImportedModel/provenance``).
    public static let provenanceFile = "import.json"

    /// Reads the model file at `url` in `format` and converts it.
    /// - Throws: ``ModelImportError`` naming the file: unreadable, not that format, damaged
    ///   (counts that disagree, an index out of range, a number that is not one) or using what
    ///   mlctl does not support (another objective, linear trees, …).
    public static func read(_ url: URL, format: ModelImportFormat) throws(ModelImportError) -> ImportedModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelImportError(path: url.path, message: "cannot read the file (\(error.localizedDescription))")
        }
        do {
            var imported: ImportedModel
            switch format {
            case .lightgbm: imported = try LightGBMModelText.parse(data).converted()
            case .xgboost: imported = try XGBoostModelJSON.parse(data).converted()
            }
            do throws(ModelValidationError) { try imported.model.validate() } catch {
                throw ImportProblem("the converted model is not valid: \(error.message)")
            }
            imported.provenance["file"] = url.lastPathComponent
            imported.provenance["sha256"] = SHA256.hex(data)
            return imported
        } catch let problem as ImportProblem {
            throw ModelImportError(path: url.path, message: problem.message)
        } catch {
            throw ModelImportError(path: url.path, message: "\(error)")
        }
    }

    /// Writes `imported` as a bundle at `directory` (through a temporary directory and a
    /// rename, as every bundle: ``ModelBundle/write(_:manifest:to:extraFiles:)``). The input
    /// schema is the model file's feature names; `target` (the label column, if given) is
    /// recorded so that `predict` ignores it. Seed, data fingerprint and training rows are
    /// unknown (0, empty, 0): the file does not hold them.
    public static func writeBundle(_ imported: ImportedModel, target: String?, to directory: URL) throws {
        let manifest = BundleManifest(modelKind: "gbdt", target: target, inputSchema: imported.model.features,
                                      parameters: imported.model.parameters, seed: 0, dataFingerprint: "",
                                      trainingRows: 0, metrics: [:])
        let provenance = try JSONSerialization.data(withJSONObject: imported.provenance, options: [.sortedKeys, .prettyPrinted])
        try ModelBundle.write(.gbdt(imported.model), manifest: manifest, to: directory,
                              extraFiles: [provenanceFile: provenance])
    }
}

/// Number parsing shared by the readers: JSON's grammar (``JSONParser/number(_:)``), so that
/// `nan`, `inf` and hex floats are refused as not numbers.
enum ImportNumbers {
    /// The finite number `text` spells, or a problem naming `what`.
    static func double(_ text: Substring, _ what: @autoclosure () -> String) throws(ImportProblem) -> Double {
        guard let value = JSONParser.number(String(text)), value.isFinite else {
            throw ImportProblem("\(what()) is '\(text.prefix(40))', not a finite number")
        }
        return value
    }

    /// The whole number `text` spells, or a problem naming `what`.
    static func int(_ text: Substring, _ what: @autoclosure () -> String) throws(ImportProblem) -> Int {
        guard let value = Int(text) else { throw ImportProblem("\(what()) is '\(text.prefix(40))', not a whole number") }
        return value
    }
}
