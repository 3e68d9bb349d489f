import Foundation
import Training

/// What a model version measured when it was trained — the test AUC (`test_roc_auc` in its
/// bundle's manifest) and its scores on the test rows (`scoreProfile`) — the marks its live
/// figures are held to by ``PredictionMonitoring``.
public enum VersionExpectation {
    /// For a version label as stored with a score (`v3/global`): the bundle `global` of version
    /// `v3` in the registry at `root`. Empty for the rules' label, a bundle served on its own,
    /// or a manifest without the figures.
    public static func lookup(_ label: String, registry root: URL) -> PredictionMonitoring.Expectation {
        let parts = label.split(separator: "/").map(String.init)
        guard parts.count == 2, case .version? = ABScorer.parse(parts[0]) else { return .init() }
        let url = ModelRegistry(root: root).directory(of: parts[0]).appendingPathComponent(parts[1]).appendingPathComponent(ModelBundle.manifestFile)
        guard let data = try? Data(contentsOf: url), let manifest = try? JSONDecoder().decode(BundleManifest.self, from: data) else { return .init() }
        return .init(auc: manifest.metrics["test_roc_auc"].flatMap { $0.isFinite ? $0 : nil }, scores: manifest.scoreProfile)
    }

    /// A memoising ``lookup(_:registry:)`` for one report.
    public static func lookup(registry root: URL) -> (String) -> PredictionMonitoring.Expectation {
        var known: [String: PredictionMonitoring.Expectation] = [:]
        return { label in
            if let hit = known[label] { return hit }
            let value = lookup(label, registry: root)
            known[label] = value
            return value
        }
    }
}
