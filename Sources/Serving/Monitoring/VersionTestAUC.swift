import Foundation
import Experiments
import Training

/// The test AUC a model version measured when it was trained (`test_roc_auc` in its bundle's
/// manifest), the mark its live AUC is held to by ``PredictionMonitoring``.
public enum VersionTestAUC {
    /// For a version label as stored with a score (`v3/global`): the bundle `global` of version
    /// `v3` in the registry at `root`. `nil` for the rules' label, a bundle served on its own,
    /// or a manifest without the figure.
    public static func lookup(_ label: String, registry root: URL) -> Double? {
        let parts = label.split(separator: "/").map(String.init)
        guard parts.count == 2, case .version? = ABScorer.parse(parts[0]) else { return nil }
        let url = ModelRegistry(root: root).directory(of: parts[0]).appendingPathComponent(parts[1]).appendingPathComponent(ModelBundle.manifestFile)
        guard let data = try? Data(contentsOf: url), let manifest = try? JSONDecoder().decode(BundleManifest.self, from: data) else { return nil }
        return manifest.metrics["test_roc_auc"].flatMap { $0.isFinite ? $0 : nil }
    }

    /// A memoising ``lookup(_:registry:)`` for one report.
    public static func lookup(registry root: URL) -> (String) -> Double? {
        var known: [String: Double?] = [:]
        return { label in
            if let hit = known[label] { return hit }
            let value = lookup(label, registry: root)
            known[label] = value
            return value
        }
    }
}
