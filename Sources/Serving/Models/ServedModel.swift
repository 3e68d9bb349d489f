import Foundation
import Evaluation
import Leads
import Training

/// A model bundle loaded for serving: the model prepared for repeated scoring, its manifest
/// (calibration, quality levels, input profile) and the encoders that build its rows.
public final class ServedModel: Sendable {
    /// The bundle's name in the registry version (`global`, `pc`, `gbdt-leafwise` …) or, for a
    /// single bundle, its directory name.
    public let name: String
    /// The registry version (`v3`), or `bundle` for a bundle served on its own.
    public let version: String
    public let manifest: BundleManifest
    public let prepared: PreparedModel
    public let encoder: ModelInputEncoder
    /// How to read the model's inputs from a lead; `nil` when it was not trained on lead
    /// features (it can still serve `/api/v1/models/NAME/predict`).
    public let leadMapping: LeadFeatureMapping?
    /// Quality-level cut-offs: the bundle's, or ``ServedModel/defaultQualityLevels`` when it
    /// has none (a bundle from `mlctl train`).
    public let qualityLevels: QualityLevels

    /// Fallback cut-offs on the probability (High ≥ 0.5, Medium ≥ 0.25, Low ≥ 0.1) for bundles
    /// trained without held-out rows to choose them from.
    public static let defaultQualityLevels = QualityLevels(cutoffs: [0.5, 0.25, 0.1])

    /// `"v3/global"`: what scored a lead, as written to `ml_model_version`.
    public var versionLabel: String { "\(version)/\(name)" }

    public init(name: String, version: String, manifest: BundleManifest, model: TrainedModel) {
        self.name = name
        self.version = version
        self.manifest = manifest
        self.prepared = PreparedModel(model)
        let features = model.features
        self.encoder = ModelInputEncoder(features: features)
        self.leadMapping = LeadFeatureMapping(features: features)
        self.qualityLevels = manifest.qualityLevels ?? Self.defaultQualityLevels
    }

    /// Reads and verifies the bundle at `directory`.
    public static func load(name: String, version: String, directory: URL) throws(BundleError) -> ServedModel {
        let (manifest, model) = try ModelBundle.read(from: directory)
        return ServedModel(name: name, version: version, manifest: manifest, model: model)
    }
}

/// The models a service has loaded: every bundle of the registry's current version (or one
/// bundle), which of them scores leads globally, and the per-vertical ones.
public struct ModelCatalog: Sendable {
    /// `registry v3 (/path)` or `bundle (/path)`, for logs.
    public let description: String
    /// The registry version, or `bundle`.
    public let version: String
    /// Every loaded bundle by name, for `/api/v1/models/NAME/predict`.
    public let models: [String: ServedModel]
    /// The lead model used when a lead's vertical has no model of its own (`global` in a
    /// registry; the bundle itself when serving one bundle).
    public let global: ServedModel?
    /// Per-vertical lead models (`pc`, `health`, `commercial`) where train-all kept one.
    public let verticals: [String: ServedModel]

    public init(description: String, version: String, models: [String: ServedModel], global: ServedModel?, verticals: [String: ServedModel]) {
        self.description = description
        self.version = version
        self.models = models
        self.global = global
        self.verticals = verticals
    }

    /// The model that scores a lead of `vertical`.
    public func leadModel(vertical: String, useVerticalModel: Bool) -> ServedModel? {
        if useVerticalModel, let model = verticals[vertical.lowercased()] { return model }
        return global
    }

    /// Loads `directory`: a model bundle (it has `manifest.json`) or a registry written by
    /// `train-all` (its `current` version: every bundle in it). Fails, naming the path, when
    /// neither is there or any bundle is missing, corrupt or unreadable.
    public static func load(from directory: URL) throws -> ModelCatalog {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RegistryError(message: "\(directory.path): no such directory")
        }
        if fileManager.fileExists(atPath: directory.appendingPathComponent(ModelBundle.manifestFile).path) {
            let model = try ServedModel.load(name: directory.lastPathComponent, version: "bundle", directory: directory)
            return ModelCatalog(description: "bundle (\(directory.path))", version: "bundle", models: [model.name: model],
                                global: model.leadMapping == nil ? nil : model, verticals: [:])
        }
        let registry = ModelRegistry(root: directory)
        guard let version = registry.current() else {
            throw RegistryError(message: "\(directory.path): neither a model bundle (no \(ModelBundle.manifestFile)) nor a registry with a current version (run `mlctl train-all --out \(directory.path)` or `mlctl models promote`)")
        }
        return try load(registry: registry, version: version)
    }

    /// Loads every bundle of `version` of `registry` (whether or not it is the current one):
    /// its `global` model scores leads, with the vertical models it kept. Fails, naming the
    /// path, when the version does not exist, has no `global` bundle or any bundle is corrupt.
    public static func load(registry: ModelRegistry, version: String) throws -> ModelCatalog {
        let fileManager = FileManager.default
        let directory = registry.root
        let versionDirectory = registry.directory(of: version)
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: versionDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RegistryError(message: "\(directory.path): no version \(version) (versions: \(registry.versions().joined(separator: ", ")))")
        }
        let names = ((try? fileManager.contentsOfDirectory(atPath: versionDirectory.path)) ?? []).sorted()
            .filter { fileManager.fileExists(atPath: versionDirectory.appendingPathComponent($0).appendingPathComponent(ModelBundle.manifestFile).path) }
        var models: [String: ServedModel] = [:]
        for name in names {
            models[name] = try ServedModel.load(name: name, version: version, directory: versionDirectory.appendingPathComponent(name))
        }
        guard let global = models["global"] else {
            throw RegistryError(message: "\(versionDirectory.path): the version has no 'global' bundle")
        }
        var verticals: [String: ServedModel] = [:]
        for vertical in Vertical.allCases {
            if let model = models[vertical.rawValue], model.leadMapping != nil { verticals[vertical.rawValue] = model }
        }
        // A registry trained on another table (train-all --data) serves /api/v1/models/NAME/predict;
        // its lead routes answer 503.
        return ModelCatalog(description: "registry \(version) (\(directory.path))", version: version, models: models,
                            global: global.leadMapping == nil ? nil : global, verticals: verticals)
    }

    /// This catalog with bundle `name` scoring every lead, whatever its vertical (an A/B arm
    /// `v4/pc`). Fails when there is no such bundle or it was not trained on lead features.
    public func pinned(to name: String) throws -> ModelCatalog {
        guard let model = models[name] else {
            throw RegistryError(message: "\(description): no bundle '\(name)' (bundles: \(models.keys.sorted().joined(separator: ", ")))")
        }
        guard model.leadMapping != nil else { throw RegistryError(message: "\(description): bundle '\(name)' was not trained on lead features") }
        return ModelCatalog(description: "\(description), bundle \(name)", version: version, models: [name: model], global: model, verticals: [:])
    }
}
