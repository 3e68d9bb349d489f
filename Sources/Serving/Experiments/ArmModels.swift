import Core
import Experiments
import Foundation
import Training

/// The registry versions that the running A/B test's arms name (`v3`, `v4/pc`), loaded side by
/// side with the served version so that each arm's leads are scored by its own model.
///
/// Loading happens off the event loops: the by-id route's reader thread calls ``prepare(for:)``
/// with the running test it read, before the leads go back to be scored, so a version is
/// loaded once, when a test that names it is first seen; afterwards ``catalog(for:)`` is a
/// dictionary lookup under a lock. A version that fails to load is tried again at most every
/// ``retryInterval`` seconds; meanwhile its arm's leads are answered 503 naming it. A reload
/// of the service (``clear()``) drops them all, so the arms reload with the served models.
public final class ArmModels: @unchecked Sendable {
    /// Seconds before a version that failed to load is tried again.
    static let retryInterval = 5.0

    private let registry: ModelRegistry
    private let driftWindow: Int
    private let lock = NSLock()
    /// By ``ABScorer/description`` (`v3`, `v4/pc`).
    private var loaded: [String: Result<ModelCatalog, RegistryError>] = [:]
    private var failedAt: [String: Double] = [:]
    /// The input drift of each loaded model, by ``ABScorer/description`` and bundle name, so
    /// that an arm's version is watched as the served one is.
    private var drift: [String: [String: DriftMonitor]] = [:]

    init(registry root: URL, driftWindow: Int) {
        registry = ModelRegistry(root: root)
        self.driftWindow = driftWindow
    }

    /// Loads the versions `test`'s arms name that are not loaded yet (on the calling thread).
    func prepare(for test: ABTest?) {
        guard let test else { return }
        for arm in test.arms where arm.scorer.registryVersion != nil {
            let key = arm.scorer.description
            lock.lock()
            let needed = loaded[key] == nil || (failedAt[key].map { monotonicSeconds() - $0 >= Self.retryInterval } ?? false)
            lock.unlock()
            guard needed else { continue }
            store(Self.load(arm.scorer, from: registry), for: key)
        }
    }

    /// Loads the versions `arms` name, for a test about to be created: a version that cannot
    /// serve refuses the test instead of failing its arm's leads later. Like a reload, it runs
    /// on the calling thread (the admin route's event loop), once per test.
    /// - Throws: ``FieldError`` on `arms[i].model`, with why the version cannot serve.
    func preload(_ arms: [ABArm]) throws(FieldError) {
        for (index, arm) in arms.enumerated() where arm.scorer.registryVersion != nil {
            let result = Self.load(arm.scorer, from: registry)
            if case .failure(let error) = result { throw FieldError(field: "arms[\(index)].model", message: error.message) }
            store(result, for: arm.scorer.description)
        }
    }

    /// The models of `scorer` (a registry version or one of its bundles), as loaded by
    /// ``prepare(for:)``.
    /// - Throws: ``RegistryError`` when it failed to load, or was not prepared.
    func catalog(for scorer: ABScorer) throws(RegistryError) -> ModelCatalog {
        lock.lock()
        let result = loaded[scorer.description]
        lock.unlock()
        guard let result else { throw RegistryError(message: "the A/B arm's model \(scorer) is not loaded yet") }
        return try result.get()
    }

    /// Keeps a load's result, with fresh drift windows for a loaded catalog.
    private func store(_ result: Result<ModelCatalog, RegistryError>, for key: String) {
        let monitors = (try? result.get()).map { ServingState.driftMonitors(for: $0, window: driftWindow) }
        lock.lock()
        loaded[key] = result
        if case .failure = result { failedAt[key] = monotonicSeconds() } else { failedAt[key] = nil }
        drift[key] = monitors
        lock.unlock()
    }

    /// The drift window of bundle `model` of `scorer`'s version, when it has one.
    func driftMonitor(for scorer: ABScorer, model: String) -> DriftMonitor? {
        lock.lock()
        defer { lock.unlock() }
        return drift[scorer.description]?[model]
    }

    /// Every loaded arm model's drift window, labelled `version/bundle` (`v4/global`), sorted.
    func driftMonitors() -> [(label: String, name: String, monitor: DriftMonitor)] {
        lock.lock()
        defer { lock.unlock() }
        var all: [String: (String, DriftMonitor)] = [:]
        for (key, monitors) in drift {
            guard let version = ABScorer.parse(key)?.registryVersion else { continue }
            for (name, monitor) in monitors { all["\(version)/\(name)"] = (name, monitor) }
        }
        return all.keys.sorted().map { ($0, all[$0]!.0, all[$0]!.1) }
    }

    /// Forgets every loaded version (the service reloaded its models).
    func clear() {
        lock.lock()
        loaded = [:]
        failedAt = [:]
        drift = [:]
        lock.unlock()
    }

    /// Loads `scorer`'s models from `registry`, so that a test can be refused at creation when
    /// an arm names a version that cannot serve.
    public static func load(_ scorer: ABScorer, from registry: ModelRegistry) -> Result<ModelCatalog, RegistryError> {
        do {
            switch scorer {
            case .rules, .current: throw RegistryError(message: "\(scorer) is not a registry version")
            case .version(let version):
                let catalog = try ModelCatalog.load(registry: registry, version: version)
                guard catalog.global != nil else { throw RegistryError(message: "\(version)'s global model was not trained on lead features") }
                return .success(catalog)
            case .bundle(let version, let name):
                return .success(try ModelCatalog.load(registry: registry, version: version).pinned(to: name))
            }
        } catch let error as RegistryError {
            return .failure(error)
        } catch {
            return .failure(RegistryError(message: "\(scorer): \(error)"))
        }
    }
}
