import Evaluation
import Foundation
import Training

/// The drift of one input feature.
public struct FeatureDrift: Sendable {
    public var feature: String
    /// Population stability index of the window against the training rows.
    public var psi: Double
    /// `stable` (< 0.1), `warning` (0.1–0.25), `alert` (≥ 0.25), or `insufficient data` below
    /// ``DriftMonitor/minimumObservations`` rows.
    public var level: String
}

/// Input drift of one served model: the rows it scored recently, binned as the training rows
/// were in the bundle's ``InputProfile``, compared per feature by the population stability
/// index (``PopulationStability``). The window is the last `window` rows, kept as two halves: when the newer half
/// fills, the older one is dropped.
public final class DriftMonitor: @unchecked Sendable {
    public static let minimumObservations = 100
    public static let warningPSI = PopulationStability.warning
    public static let alertPSI = PopulationStability.alert

    public let profile: InputProfile
    private let columnOfFeature: [Int?]
    private let binOfCode: [[Int]?]
    private let halfWindow: Int
    private let lock = NSLock()
    /// Bin counts of all features in one array: feature f's bins start at `offsets[f]`.
    private let offsets: [Int]
    private var current: [Int]
    private var previous: [Int]
    private var currentRows = 0
    private var previousRows = 0

    /// A monitor for rows with `features` (the model's inputs, in order).
    public init(profile: InputProfile, features: [ModelFeature], window: Int = 10_000) {
        self.profile = profile
        self.halfWindow = max(1, window / 2)
        var index: [String: Int] = [:]
        for (k, feature) in features.enumerated() { index[feature.name] = k }
        columnOfFeature = profile.features.map { index[$0.name] }
        binOfCode = profile.features.map { profiled in
            guard profiled.categories != nil, let k = index[profiled.name], let dictionary = features[k].categories else { return nil }
            return dictionary.map { profiled.bin(category: $0) }
        }
        var offsets: [Int] = [], total = 0
        for feature in profile.features { offsets.append(total); total += feature.binCount }
        self.offsets = offsets
        current = [Int](repeating: 0, count: total)
        previous = current
    }

    /// Adds `rows` encoded rows (``ModelInputEncoder/encode(rows:value:)``: row-major, the
    /// model's feature order, category codes as floats).
    public func record(encoded: [Float], rows: Int) {
        let width = rows > 0 ? encoded.count / rows : 0
        let featureCount = profile.features.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, featureCount * rows)) { slots in
            // Each value's slot in the flat count array (−1: the model lacks the feature).
            for (f, profiled) in profile.features.enumerated() {
                guard let column = columnOfFeature[f], column < width else {
                    for row in 0..<rows { slots[row * featureCount + f] = -1 }
                    continue
                }
                for row in 0..<rows {
                    let value = encoded[row * width + column]
                    let bin: Int
                    if profiled.categories == nil {
                        bin = profiled.bin(numeric: value)
                    } else if value == Float(CategoricalColumn.missingCode) {
                        bin = profiled.binCount - 1
                    } else if value < 0 {
                        bin = profiled.binCount - 2
                    } else {
                        bin = binOfCode[f]?[Int(value)] ?? profiled.binCount - 2
                    }
                    slots[row * featureCount + f] = offsets[f] + bin
                }
            }
            lock.lock()
            defer { lock.unlock() }
            for row in 0..<rows {
                if currentRows == halfWindow {
                    swap(&previous, &current)
                    previousRows = currentRows
                    for i in current.indices { current[i] = 0 }
                    currentRows = 0
                }
                current.withUnsafeMutableBufferPointer { counts in
                    for f in 0..<featureCount where slots[row * featureCount + f] >= 0 { counts[slots[row * featureCount + f]] += 1 }
                }
                currentRows += 1
            }
        }
    }

    /// Rows in the window.
    public var observations: Int {
        lock.lock()
        defer { lock.unlock() }
        return currentRows + previousRows
    }

    /// Drift of every profiled feature the model reads, largest PSI first.
    public func report() -> [FeatureDrift] {
        lock.lock()
        let counts = zip(current, previous).map { $0 + $1 }
        let rows = currentRows + previousRows
        lock.unlock()
        var out: [FeatureDrift] = []
        for (f, profiled) in profile.features.enumerated() where columnOfFeature[f] != nil {
            let psi = PopulationStability.index(expected: profiled.shares, counts: Array(counts[offsets[f]..<(offsets[f] + profiled.binCount)]))
            let level = rows < Self.minimumObservations ? "insufficient data" : psi >= Self.alertPSI ? "alert" : psi >= Self.warningPSI ? "warning" : "stable"
            out.append(FeatureDrift(feature: profiled.name, psi: rows == 0 ? 0 : psi, level: level))
        }
        return out.sorted { $0.psi != $1.psi ? $0.psi > $1.psi : $0.feature < $1.feature }
    }
}
