import Core
import Experiments
import Foundation
import Training

/// A canary rollout: registry version vN served to P % of the leads scored by id, the rest
/// staying on the current version, by the same hash assignment as any A/B test — it is one,
/// named `canary-vN-…`, with the arms `champion` (`current`, the control) and `canary` (`vN`),
/// and it is analysed the same way. It ends with ``promote(force:)`` (vN becomes current) or
/// ``abort()`` (nothing changes); either stops the test, keeping its record.
///
/// A canary needs the lead-by-id route: leads scored from a request body are not assigned.
public struct Canary {
    /// Why a canary operation was refused.
    public enum Refusal: Error, CustomStringConvertible, Equatable {
        case versionMissing(String)
        case versionIsCurrent(String)
        case anotherTestRunning(String)
        case noCanaryRunning
        case evidenceAgainst(String, reasons: [String])

        public var description: String {
            switch self {
            case .versionMissing(let detail): detail
            case .versionIsCurrent(let version): "\(version) is the current version already: a canary rolls out another one"
            case .anotherTestRunning(let name):
                "the A/B test '\(name)' is running: the service scores leads by one test at a time (stop it first: mlctl ab stop --name \(name))"
            case .noCanaryRunning: "no canary is running (start one with mlctl models canary --version vN --percent P)"
            case .evidenceAgainst(let version, let reasons):
                "the canary's results say roll back, so \(version) is not promoted (--force promotes anyway): " + reasons.joined(separator: " ")
            }
        }
    }

    /// Test names of canaries start with this.
    public static let namePrefix = "canary-"

    public let store: ABTestStore
    public let registry: ModelRegistry

    public init(store: ABTestStore, registry: ModelRegistry) {
        self.store = store
        self.registry = registry
    }

    /// Starts serving `version` to `percent` % of the leads (1…50). Refused when the version
    /// does not load as a lead model, is current already, or another test runs.
    /// - Parameter time: seconds since 1970 the test starts at (default now; simulations back-date it).
    public func start(version: String, percent: Int, primaryMetric: ExperimentMetric = .conversionRate, alpha: Double = 0.05,
                      minimumDetectableEffect: Double = 0.1, at time: Double? = nil) throws -> ABTest {
        guard (1...50).contains(percent) else {
            throw ABTestError.invalid(FieldError(field: "percent", message: "a canary takes 1 to 50 % of the leads (got \(percent))"))
        }
        guard case .version = ABScorer.parse(version) else {
            throw Refusal.versionMissing("'\(version)' is not a registry version (v1, v2, …)")
        }
        if case .failure(let error) = ArmModels.load(.version(version), from: registry) { throw Refusal.versionMissing(error.message) }
        guard registry.current() != version else { throw Refusal.versionIsCurrent(version) }
        if let running = try store.runningTest() { throw Refusal.anotherTestRunning(running.name) }
        let started = time ?? Date().timeIntervalSince1970
        var definition = ABTestDefinition(name: "\(Self.namePrefix)\(version)-\(Self.stamp(started))")
        definition.description = "canary: \(version) to \(percent) % of the leads, against the current version (\(registry.current() ?? "none"))"
        definition.arms = [ABArm(name: "champion", scorer: .current, percent: 100 - percent),
                           ABArm(name: "canary", scorer: .version(version), percent: percent)]
        definition.primaryMetric = primaryMetric
        definition.alpha = alpha
        definition.minimumDetectableEffect = minimumDetectableEffect
        return try store.create(definition, startedAt: time)
    }

    /// The running canary and the version it rolls out; `nil` when none runs.
    public func running() throws -> (test: ABTest, version: String)? {
        guard let test = try store.runningTest(), test.name.hasPrefix(Self.namePrefix), test.arms.count == 2,
              case .version(let version) = test.arms[1].scorer else { return nil }
        return (test, version)
    }

    /// The running canary's results.
    public func status() throws -> (test: ABTest, analysis: ABTestAnalysis) {
        guard let (test, _) = try running() else { throw Refusal.noCanaryRunning }
        return try store.results(of: test.name)
    }

    /// Stops the canary and makes its version current. Refused when the results recommend
    /// rolling back, unless `force`. The service serves the new current version after a reload.
    /// - Returns: the stopped test, its analysis at the stop, and the promoted version.
    public func promote(force: Bool = false, at time: Double? = nil) throws -> (test: ABTest, analysis: ABTestAnalysis, version: String) {
        guard let (test, version) = try running() else { throw Refusal.noCanaryRunning }
        let (_, analysis) = try store.results(of: test.name)
        if analysis.recommendation == .rollBack, !force { throw Refusal.evidenceAgainst(version, reasons: analysis.reasons) }
        let stopped = try store.stop(test.name, at: time)
        try registry.promote(version)
        return (stopped, analysis, version)
    }

    /// Stops the canary; the current version stays.
    public func abort(at time: Double? = nil) throws -> ABTest {
        guard let (test, _) = try running() else { throw Refusal.noCanaryRunning }
        return try store.stop(test.name, at: time)
    }

    /// `20261203T180405Z`: the start time in a test name (letters, digits, no colons).
    static func stamp(_ seconds: Double) -> String {
        let iso = Timestamp.iso8601(seconds)  // 2026-12-03T18:04:05Z
        let digits = iso.filter { $0.isNumber || $0 == "T" }
        return String(digits.prefix(15)) + "Z"
    }
}
