import Core
import Evaluation
import Foundation

/// The version of mlctl written into artifacts.
public enum MLCTLVersion {
    public static let current = "0.1.0"
}

/// `manifest.json` of a model bundle: what the model is, what it expects, how it was made,
/// and a SHA-256 of every other file of the bundle.
public struct BundleManifest: Codable, Sendable, Equatable {
    public static let formatName = "mlctl-model-bundle"
    /// Bundles of this format version and older are readable.
    public static let currentFormatVersion = 1

    public var format = BundleManifest.formatName
    public var formatVersion = BundleManifest.currentFormatVersion
    public var mlctlVersion = MLCTLVersion.current
    /// ISO 8601 UTC; from `SOURCE_DATE_EPOCH` when set, so that bundles can be reproduced
    /// bit for bit.
    public var createdAt: String
    /// `gbdt`, `logistic` or `ensemble` (``TrainedModel/kind``).
    public var modelKind: String
    /// The label column of the training data, if it had a name.
    public var target: String?
    /// The input columns the model reads, in order, with categorical dictionaries.
    public var inputSchema: [ModelFeature]
    /// The tree parameters (`gbdt` bundles).
    public var parameters: GBDTParameters?
    /// The linear-model parameters (`logistic` bundles).
    public var logisticParameters: LogisticParameters?
    public var seed: UInt64
    /// ``Dataset/fingerprint()`` of the training data.
    public var dataFingerprint: String
    public var trainingRows: Int
    /// Named metrics measured at training time (e.g. `validation_roc_auc`).
    public var metrics: [String: Double]
    /// SHA-256 (hex) of each other file, by file name.
    public var files: [String: String] = [:]
    /// Raw score → probability map fitted on held-out rows, applied by predict, evaluate and
    /// serving; absent: probability = σ(raw score).
    public var calibration: Calibration?
    /// Score cut-offs of the quality levels (on the calibrated probability), chosen on
    /// held-out rows.
    public var qualityLevels: QualityLevels?
    /// The training rows' input distribution (for drift monitoring in `serve`).
    public var inputProfile: InputProfile?
    /// The served probabilities on held-out rows (for score drift in prediction monitoring).
    public var scoreProfile: ScoreProfile?

    public init(createdAt: String = BundleManifest.now(), modelKind: String, target: String?, inputSchema: [ModelFeature],
                parameters: GBDTParameters? = nil, logisticParameters: LogisticParameters? = nil, seed: UInt64, dataFingerprint: String,
                trainingRows: Int, metrics: [String: Double]) {
        self.createdAt = createdAt
        self.logisticParameters = logisticParameters
        self.modelKind = modelKind
        self.target = target
        self.inputSchema = inputSchema
        self.parameters = parameters
        self.seed = seed
        self.dataFingerprint = dataFingerprint
        self.trainingRows = trainingRows
        self.metrics = metrics
    }

    /// Now (or `SOURCE_DATE_EPOCH`) as `2026-11-25T15:40:44Z`.
    public static func now() -> String {
        let seconds = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Double.init) ?? Date().timeIntervalSince1970
        let c = Timestamp.civil(seconds.rounded(.down))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour, c.minute, Int(c.second))
    }
}

extension BundleManifest {
    /// Probabilities of raw scores, through the bundle's calibration when it has one.
    public func probabilities(rawScores: [Double]) -> [Double] {
        guard let calibration else { return rawScores.map(logistic) }
        return rawScores.map { calibration.probability(rawScore: $0) }
    }

    /// Contributions and bias in the log-odds of the calibrated probability (Platt scaling is
    /// affine in log-odds, so they still add up to logit(probability)); unchanged otherwise.
    public func calibratedContributions(_ phi: [[Double]], bias: Double) -> (contributions: [[Double]], bias: Double) {
        guard let (scale, offset) = calibration?.logOddsScale else { return (phi, bias) }
        return (phi.map { $0.map { $0 * scale } }, bias * scale + offset)
    }
}

/// Why a bundle could not be read or written; the message names the path.
public struct BundleError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// A model bundle: a directory holding `manifest.json` and `model.json` (the model's JSON form:
/// ``GBDTModel`` or ``LogisticModel`` by `modelKind`), written atomically
/// (to a temporary directory beside the destination, synced, then renamed into place) and
/// verified on reading (format version, checksums).
public enum ModelBundle {
    public static let manifestFile = "manifest.json"
    public static let modelFile = "model.json"

    /// Writes `model` with `manifest` to `directory`, replacing a bundle already there.
    /// Readers see either the old bundle or the new one, never a mix.
    public static func write(_ model: GBDTModel, manifest: BundleManifest, to directory: URL) throws {
        try write(.gbdt(model), manifest: manifest, to: directory)
    }

    /// Writes `model` with `manifest` (its `modelKind` set from the model) and `extraFiles`
    /// (name → contents, e.g. a tuning history; checksummed like the model) to `directory`,
    /// replacing a bundle already there. Readers see either the old bundle or the new one.
    public static func write(_ model: TrainedModel, manifest: BundleManifest, to directory: URL, extraFiles: [String: Data] = [:]) throws {
        let fileManager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let temporary = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fileManager.createDirectory(at: temporary, withIntermediateDirectories: false)
        do {
            let modelData: Data
            switch model {
            case .gbdt(let model): modelData = try JSONCoding.encoder(pretty: false).encode(model)
            case .logistic(let model): modelData = try JSONCoding.encoder(pretty: false).encode(model)
            case .ensemble(let model): modelData = try JSONCoding.encoder(pretty: false).encode(model)
            }
            var manifest = manifest
            manifest.modelKind = model.kind
            manifest.files = [modelFile: SHA256.hex(modelData)]
            try writeSynced(modelData, to: temporary.appendingPathComponent(modelFile))
            for (name, data) in extraFiles.sorted(by: { $0.key < $1.key }) {
                guard name != modelFile, name != manifestFile, !name.contains("/") else {
                    throw BundleError(path: directory.path, message: "invalid extra file name '\(name)'")
                }
                manifest.files[name] = SHA256.hex(data)
                try writeSynced(data, to: temporary.appendingPathComponent(name))
            }
            try writeSynced(try JSONCoding.encoder(pretty: true).encode(manifest), to: temporary.appendingPathComponent(manifestFile))
            var old: URL?
            if fileManager.fileExists(atPath: directory.path) {
                guard fileManager.fileExists(atPath: directory.appendingPathComponent(manifestFile).path) else {
                    throw BundleError(path: directory.path, message: "exists and is not a model bundle; refusing to replace it")
                }
                old = parent.appendingPathComponent(".\(directory.lastPathComponent).old-\(getpid())")
                try fileManager.moveItem(at: directory, to: old!)
            }
            guard rename(temporary.path, directory.path) == 0 else {
                let reason = String(cString: strerror(errno))
                if let old { try? fileManager.moveItem(at: old, to: directory) }
                throw BundleError(path: directory.path, message: "cannot move the new bundle into place: \(reason)")
            }
            if let old { try? fileManager.removeItem(at: old) }
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw error
        }
    }

    /// Reads and verifies the bundle at `directory`: the format version, every checksum, and
    /// the model and manifest themselves (``TrainedModel/validate()``,
    /// ``BundleManifest/validate(for:)``), so that a damaged or edited bundle is refused here
    /// rather than crashing or hanging whatever scores it.
    /// - Throws: ``BundleError`` naming the file and the problem.
    public static func read(from directory: URL) throws(BundleError) -> (manifest: BundleManifest, model: TrainedModel) {
        let path = directory.path
        let manifestURL = directory.appendingPathComponent(manifestFile)
        guard let manifestData = try? Data(contentsOf: manifestURL) else {
            throw BundleError(path: path, message: "not a model bundle (no readable \(manifestFile))")
        }
        let manifest: BundleManifest
        do {
            manifest = try JSONCoding.decoder().decode(BundleManifest.self, from: manifestData)
        } catch {
            throw BundleError(path: manifestURL.path, message: "unreadable manifest: \(describe(error))")
        }
        guard manifest.format == BundleManifest.formatName else {
            throw BundleError(path: manifestURL.path, message: "unknown format '\(manifest.format)'")
        }
        guard manifest.formatVersion <= BundleManifest.currentFormatVersion else {
            throw BundleError(path: manifestURL.path, message: "bundle format version \(manifest.formatVersion) is newer than this mlctl supports (\(BundleManifest.currentFormatVersion)); upgrade mlctl")
        }
        for (file, expected) in manifest.files.sorted(by: { $0.key < $1.key }) {
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(file)) else {
                throw BundleError(path: path, message: "\(file) is missing")
            }
            guard SHA256.hex(data) == expected else {
                throw BundleError(path: directory.appendingPathComponent(file).path, message: "checksum mismatch: the file is corrupt or was changed after training")
            }
        }
        guard ["gbdt", "logistic", "ensemble"].contains(manifest.modelKind), manifest.files[modelFile] != nil else {
            throw BundleError(path: path, message: "model kind '\(manifest.modelKind)' is not supported by this mlctl")
        }
        let modelPath = directory.appendingPathComponent(modelFile).path
        let model: TrainedModel
        do {
            let data = try Data(contentsOf: directory.appendingPathComponent(modelFile))
            switch manifest.modelKind {
            case "logistic": model = .logistic(try JSONCoding.decoder().decode(LogisticModel.self, from: data))
            case "ensemble": model = .ensemble(try JSONCoding.decoder().decode(EnsembleModel.self, from: data))
            default: model = .gbdt(try JSONCoding.decoder().decode(GBDTModel.self, from: data))
            }
        } catch {
            throw BundleError(path: modelPath, message: "unreadable model: \(describe(error))")
        }
        // The scoring and explaining paths index without bounds checks and walk trees to a
        // leaf: what they rely on is checked once, here, where every reader gets a model.
        do throws(ModelValidationError) { try model.validate() } catch {
            throw BundleError(path: modelPath, message: error.message)
        }
        do throws(ModelValidationError) { try manifest.validate(for: model) } catch {
            throw BundleError(path: manifestURL.path, message: error.message)
        }
        return (manifest, model)
    }

    private static func writeSynced(_ data: Data, to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: data) else {
            throw BundleError(path: url.path, message: "cannot write")
        }
        let handle = try FileHandle(forWritingTo: url)
        try handle.synchronize()
        try handle.close()
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.keyNotFound(let key, _) = error { return "missing field '\(key.stringValue)'" }
        if case DecodingError.typeMismatch(_, let context) = error { return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))" }
        if case DecodingError.dataCorrupted(let context) = error { return "invalid JSON (\(context.debugDescription))" }
        return "\(error)"
    }
}
