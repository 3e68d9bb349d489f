import Foundation
import Training

/// Counters and latency histograms of the scoring service, rendered in the Prometheus text
/// exposition format (version 0.0.4).
public final class ServiceMetrics: @unchecked Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    public static let latencyBuckets: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    private struct RouteStatus: Hashable { var route: String; var status: Int }
    /// A Prometheus histogram's state: a count per bucket (not cumulative), the count and sum.
    private struct Histogram {
        var buckets: [Int]
        var count = 0
        var sum = 0.0
        init(bounds: Int = ServiceMetrics.latencyBuckets.count) { buckets = [Int](repeating: 0, count: bounds) }

        /// Counts `value` in the first bucket of `bounds` (upper bounds) that holds it.
        mutating func observe(_ value: Double, bounds: [Double]) {
            if let bucket = bounds.firstIndex(where: { value <= $0 }) { buckets[bucket] += 1 }
            count += 1
            sum += value
        }
    }

    private let lock = NSLock()
    private var requests: [RouteStatus: Int] = [:]
    private var latency: [String: Histogram] = [:]
    /// Upper bounds of the served-score buckets (probabilities).
    public static let scoreBuckets: [Double] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1]
    private struct ModelLevel: Hashable { var model: String; var level: String }
    private var qualityLevels: [ModelLevel: Int] = [:]
    private var scores: [String: Histogram] = [:]
    private var databaseErrors = 0
    private struct TestVariant: Hashable { var test: String; var variant: String }
    private var abScores: [TestVariant: Int] = [:]

    public init() {}

    /// One answered request: its route template (`/api/v1/lead-scoring-ml/score/:leadId`),
    /// status and duration in seconds.
    public func recordRequest(route: String, status: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        requests[RouteStatus(route: route, status: status), default: 0] += 1
        latency[route, default: Histogram()].observe(seconds, bounds: Self.latencyBuckets)
    }

    /// A lead scored by `model` (its version label, e.g. `v3/global`, or the rules'): its
    /// probability and quality level.
    public func recordScore(model: String, probability: Double, qualityLevel level: String) {
        lock.lock()
        qualityLevels[ModelLevel(model: model, level: level), default: 0] += 1
        scores[model, default: Histogram(bounds: Self.scoreBuckets.count)].observe(probability, bounds: Self.scoreBuckets)
        lock.unlock()
    }

    /// A lead scored by `variant` of the running A/B test `test`.
    public func recordABScore(test: String, variant: String) {
        lock.lock()
        abScores[TestVariant(test: test, variant: variant), default: 0] += 1
        lock.unlock()
    }

    public func recordDatabaseError() {
        lock.lock()
        databaseErrors += 1
        lock.unlock()
    }

    /// The exposition text; `models` gives `mlctl_model_info` lines, `drift` the per-feature PSI.
    public func render(models: [(name: String, version: String, kind: String)], drift: [(model: String, features: [FeatureDrift], observations: Int)]) -> String {
        lock.lock()
        let requests = self.requests, latency = self.latency, qualityLevels = self.qualityLevels, databaseErrors = self.databaseErrors
        let scores = self.scores
        let abScores = self.abScores
        lock.unlock()
        var out = ""
        out += "# HELP mlctl_build_info The running mlctl (value 1).\n# TYPE mlctl_build_info gauge\n"
        out += "mlctl_build_info{version=\"\(escape(MLCTLVersion.current))\"} 1\n"
        let process = ProcessStatistics.current()
        if let cpu = process.cpuSeconds {
            out += "# HELP process_cpu_seconds_total User and system CPU time of the process.\n# TYPE process_cpu_seconds_total counter\n"
            out += "process_cpu_seconds_total \(cpu)\n"
        }
        if let resident = process.residentBytes {
            out += "# HELP process_resident_memory_bytes Resident memory of the process.\n# TYPE process_resident_memory_bytes gauge\n"
            out += "process_resident_memory_bytes \(resident)\n"
        }
        if let descriptors = process.openFileDescriptors {
            out += "# HELP process_open_fds Open file descriptors of the process.\n# TYPE process_open_fds gauge\n"
            out += "process_open_fds \(descriptors)\n"
        }
        out += "# HELP mlctl_http_requests_total HTTP requests answered, by route and status.\n# TYPE mlctl_http_requests_total counter\n"
        for (key, count) in requests.sorted(by: { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }) {
            out += "mlctl_http_requests_total{route=\"\(escape(key.route))\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP mlctl_http_request_duration_seconds Time from a complete request to its response, by route.\n"
        out += "# TYPE mlctl_http_request_duration_seconds histogram\n"
        out += histogramLines("mlctl_http_request_duration_seconds", label: "route", series: latency, bounds: Self.latencyBuckets)
        out += "# HELP mlctl_scores_total Leads scored, by model version and quality level.\n# TYPE mlctl_scores_total counter\n"
        for model in Set(qualityLevels.keys.map(\.model)).sorted() {
            for level in ["High", "Medium", "Low", "Very Low"] {
                out += "mlctl_scores_total{model=\"\(escape(model))\",quality_level=\"\(level)\"} \(qualityLevels[ModelLevel(model: model, level: level)] ?? 0)\n"
            }
        }
        out += "# HELP mlctl_score Served probabilities, by model version.\n# TYPE mlctl_score histogram\n"
        out += histogramLines("mlctl_score", label: "model", series: scores, bounds: Self.scoreBuckets)
        out += "# HELP mlctl_ab_scores_total Leads scored by id during an A/B test, by test and variant.\n# TYPE mlctl_ab_scores_total counter\n"
        for (key, count) in abScores.sorted(by: { ($0.key.test, $0.key.variant) < ($1.key.test, $1.key.variant) }) {
            out += "mlctl_ab_scores_total{test=\"\(escape(key.test))\",variant=\"\(key.variant)\"} \(count)\n"
        }
        out += "# HELP mlctl_database_errors_total Failed database operations.\n# TYPE mlctl_database_errors_total counter\n"
        out += "mlctl_database_errors_total \(databaseErrors)\n"
        out += "# HELP mlctl_model_info Loaded models (value 1).\n# TYPE mlctl_model_info gauge\n"
        for model in models.sorted(by: { $0.name < $1.name }) {
            out += "mlctl_model_info{model=\"\(escape(model.name))\",version=\"\(escape(model.version))\",kind=\"\(model.kind)\"} 1\n"
        }
        out += "# HELP mlctl_drift_observations Recent inputs in each model's drift window.\n# TYPE mlctl_drift_observations gauge\n"
        for entry in drift { out += "mlctl_drift_observations{model=\"\(escape(entry.model))\"} \(entry.observations)\n" }
        out += "# HELP mlctl_feature_drift_psi Population stability index of recent inputs against the training rows (once a window holds \(DriftMonitor.minimumObservations) inputs).\n"
        out += "# TYPE mlctl_feature_drift_psi gauge\n"
        for entry in drift where entry.observations >= DriftMonitor.minimumObservations {
            for feature in entry.features {
                out += "mlctl_feature_drift_psi{model=\"\(escape(entry.model))\",feature=\"\(escape(feature.feature))\"} \(feature.psi)\n"
            }
        }
        out += "# HELP mlctl_drift_features Features per drift level.\n# TYPE mlctl_drift_features gauge\n"
        for entry in drift {
            for level in ["warning", "alert"] {
                out += "mlctl_drift_features{model=\"\(escape(entry.model))\",level=\"\(level)\"} \(entry.features.filter { $0.level == level }.count)\n"
            }
        }
        return out
    }

    /// The `_bucket` (cumulative), `_sum` and `_count` lines of histogram `name`, one series per
    /// value of `label`, in label order.
    private func histogramLines(_ name: String, label: String, series: [String: Histogram], bounds: [Double]) -> String {
        var out = ""
        for (value, histogram) in series.sorted(by: { $0.key < $1.key }) {
            let key = "\(label)=\"\(escape(value))\""
            var cumulative = 0
            for (bound, count) in zip(bounds, histogram.buckets) {
                cumulative += count
                out += "\(name)_bucket{\(key),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "\(name)_bucket{\(key),le=\"+Inf\"} \(histogram.count)\n"
            out += "\(name)_sum{\(key)} \(histogram.sum)\n"
            out += "\(name)_count{\(key)} \(histogram.count)\n"
        }
        return out
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
